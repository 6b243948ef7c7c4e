package datasets

import (
	"bytes"
	"flag"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/metadata"
)

var updateHostile = flag.Bool("update-hostile", false, "rewrite the files under testdata/hostile")

// hostileDir holds files that every command reading a log must refuse
// with a one-line error naming the file, without exhausting memory or
// ignoring a signal (issue 16). cmd/zpd runs every command on them; the
// fuzz targets take them as seeds.
const hostileDir = "testdata/hostile"

// hostileFiles builds the files of testdata/hostile from a small valid
// log. Names starting footer- or schema- are structurally broken (every
// reader refuses them); invalid- are well-formed files whose rows break a
// fatal validation rule.
func hostileFiles(t *testing.T) map[string][]byte {
	pq := validFile(t, ".parquet")
	files := map[string][]byte{
		// The footer's total claims 2^62 rows; the row groups hold 100.
		"footer-total-2e62.parquet": withFooter(t, pq, func(md *metadata.FileMetaData) { md.NumRows = 1 << 62 }),
		// Total, row groups and every column chunk agree on 2^62 rows: only
		// the chunks' byte sizes show the claim cannot be true.
		"footer-consistent-2e62.parquet": withFooter(t, pq, func(md *metadata.FileMetaData) {
			extra := int64(1<<62) - md.NumRows
			md.NumRows = 1 << 62
			rg := md.RowGroups[0]
			rg.NumRows += extra
			for _, c := range rg.Columns {
				c.MetaData.NumValues += extra
			}
		}),
		// The schema's root claims 2^31-1 (and 2^30) children where the
		// footer lists a handful: arrow-go's schema conversion allocates
		// by the claim.
		"schema-children-2e31.parquet": withFooter(t, pq, func(md *metadata.FileMetaData) {
			n := int32(math.MaxInt32)
			md.FileMetaData.Schema[0].NumChildren = &n
		}),
		"schema-children-2e30.parquet": withFooter(t, pq, func(md *metadata.FileMetaData) {
			n := int32(1 << 30)
			md.FileMetaData.Schema[0].NumChildren = &n
		}),
	}
	// Well-formed logs that break a fatal rule in one row (row 5).
	for name, edit := range map[string]func(*Attempt){
		"invalid-negative-hints.parquet":      func(a *Attempt) { a.HintsUsed = -3 },
		"invalid-infinite-difficulty.parquet": func(a *Attempt) { a.Difficulty = math.Inf(1) },
		"invalid-empty-learner.parquet":       func(a *Attempt) { a.Learner = "" },
	} {
		as := synthAttempts(100, 5, 1)
		edit(&as[5])
		path := filepath.Join(t.TempDir(), name)
		writeAttempts(t, path, WriteOptions{Groups: []string{"g"}, RowGroupRows: 40}, as)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// TestHostileFiles checks that testdata/hostile holds what hostileFiles
// builds (go test -run TestHostileFiles -update-hostile rewrites it), and
// that every reader refuses each file with one line naming it.
func TestHostileFiles(t *testing.T) {
	want := hostileFiles(t)
	if *updateHostile {
		os.RemoveAll(hostileDir)
		if err := os.MkdirAll(hostileDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range want {
			if err := os.WriteFile(filepath.Join(hostileDir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("%s holds %v, want %v: rerun with -update-hostile", hostileDir, names, slices.Sorted(maps.Keys(want)))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(hostileDir, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want[name]) {
				t.Errorf("%s differs from what hostileFiles builds: rerun with -update-hostile", path)
			}
			_, err = ReadLog(path, ReadOptions{})
			assertOneLineError(t, "ReadLog", err, path)
			rep, err := Validate(path, ReadOptions{})
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if rep.OK() {
				t.Errorf("Validate calls %s clean", path)
			}
			if _, err := CountRows(path); !strings.HasPrefix(name, "invalid-") {
				assertOneLineError(t, "CountRows", err, path)
			}
			r, err := Open(path, ReadOptions{})
			if err == nil {
				for r.Next() {
				}
				err = r.Err()
				r.Close()
			}
			if !strings.HasPrefix(name, "invalid-") {
				assertOneLineError(t, "Reader", err, path)
			}
		})
	}
}
