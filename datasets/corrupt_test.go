package datasets

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// validFile returns the bytes of a small valid log file with extension ext.
func validFile(t testing.TB, ext string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log"+ext)
	writeAttempts(t, path, WriteOptions{Groups: []string{"g"}, RowGroupRows: 40}, synthAttempts(100, 5, 1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withFooter returns the Parquet file pq with its footer changed by edit.
func withFooter(t *testing.T, pq []byte, edit func(*metadata.FileMetaData)) []byte {
	t.Helper()
	r, err := file.NewParquetReader(bytes.NewReader(pq))
	if err != nil {
		t.Fatal(err)
	}
	md := r.MetaData()
	edit(md)
	var footer bytes.Buffer
	if _, err := md.WriteTo(&footer, nil); err != nil {
		t.Fatal(err)
	}
	old := binary.LittleEndian.Uint32(pq[len(pq)-8:])
	out := bytes.Clone(pq[:len(pq)-8-int(old)])
	out = append(out, footer.Bytes()...)
	out = binary.LittleEndian.AppendUint32(out, uint32(footer.Len()))
	return append(out, "PAR1"...)
}

// assertOneLineError checks that err is a single-line error naming path.
func assertOneLineError(t *testing.T, what string, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, path) || strings.Contains(msg, "goroutine ") {
		t.Fatalf("%s: error is not one line naming %s: %q", what, path, msg)
	}
}

func TestCorruptFiles(t *testing.T) {
	pq, arrow := validFile(t, ".parquet"), validFile(t, ".arrow")
	flip := func(b []byte, seed uint64) []byte {
		c := bytes.Clone(b)
		rng := rand.New(rand.NewPCG(seed, 1))
		for range 20 {
			i := 8 + rng.IntN(len(c)-16) // keep magic numbers: damage the body
			c[i] ^= byte(1 + rng.IntN(255))
		}
		return c
	}
	tests := []struct {
		name string
		ext  string
		data []byte
	}{
		{"empty", ".parquet", nil},
		{"empty ipc", ".arrow", nil},
		{"binary", ".parquet", bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, 0}, 200)},
		{"text", ".feather", []byte("learner_id,item_id\na,b\n")},
		{"parquet magic only", ".parquet", []byte("PAR1PAR1")},
		{"truncated half", ".parquet", pq[:len(pq)/2]},
		{"truncated footer", ".parquet", pq[:len(pq)-5]},
		{"truncated head", ".parquet", pq[100:]},
		{"ipc truncated", ".arrow", arrow[:len(arrow)/2]},
		{"ipc truncated footer", ".arrow", arrow[:len(arrow)-7]},
		{"parquet as ipc", ".arrow", pq},
		{"ipc as parquet", ".parquet", arrow},
		// Readers size memory by the footer's row counts.
		{"footer claims 2^33 rows", ".parquet", withFooter(t, pq, func(md *metadata.FileMetaData) {
			md.NumRows += 1 << 33
			md.RowGroups[0].NumRows += 1 << 33
		})},
		{"footer total disagrees", ".parquet", withFooter(t, pq, func(md *metadata.FileMetaData) { md.NumRows *= 1000 })},
	}
	for seed := uint64(0); seed < 12; seed++ {
		tests = append(tests, struct {
			name string
			ext  string
			data []byte
		}{"flipped parquet", ".parquet", flip(pq, seed)}, struct {
			name string
			ext  string
			data []byte
		}{"flipped ipc", ".arrow", flip(arrow, seed)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad"+tt.ext)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadLog(path, ReadOptions{})
			flipped := strings.HasPrefix(tt.name, "flipped")
			if err == nil && !flipped {
				t.Fatal("ReadLog read a broken file")
			}
			if err != nil {
				assertOneLineError(t, "ReadLog", err, path)
			}
			rep, verr := Validate(path, ReadOptions{})
			if verr != nil {
				t.Fatalf("Validate: %v", verr)
			}
			if (err != nil) != !rep.OK() {
				t.Fatalf("ReadLog error %v but Validate OK=%v", err, rep.OK())
			}
			for _, p := range rep.Problems {
				if p.File != path || strings.Contains(p.String(), "\n") {
					t.Fatalf("problem %q", p)
				}
			}
			if r, err := Open(path, ReadOptions{}); err != nil {
				assertOneLineError(t, "Open", err, path)
			} else {
				for r.Next() {
				}
				if r.Err() != nil {
					assertOneLineError(t, "Reader", r.Err(), path)
				}
				r.Close()
			}
		})
	}
}

func TestMissingPath(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "nope.parquet"), filepath.Join(dir, "log.csv")} {
		if _, err := ReadLog(path, ReadOptions{}); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadLog(%s) error %v", path, err)
		}
	}
	if _, err := Validate(dir, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "no .parquet") {
		t.Errorf("Validate of an empty directory: %v", err)
	}
}

func TestUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "log.parquet"), // no such directory
		filepath.Join(file, "log.parquet"),           // parent is a file
		filepath.Join(dir, "log.csv"),                // unknown format
	} {
		w, err := Create(path, WriteOptions{})
		if err == nil {
			w.Abort()
			t.Fatalf("Create(%s) succeeded", path)
		}
		assertOneLineError(t, "Create", err, path)
	}
	if _, err := Create(filepath.Join(dir, "x.parquet"), WriteOptions{Groups: []string{"a", "group_a"}}); err == nil {
		t.Fatal("duplicate group accepted")
	}
}

func TestFailedWriteLeavesNoFile(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "log"+ext)
		w, err := Create(path, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bad := synthLog(10, 1, 0)
		bad.Seq = bad.Seq[:5] // columns of different lengths
		if err := w.WriteLog(bad); err == nil {
			t.Fatal("WriteLog accepted a malformed log")
		}
		if err := w.Close(); err == nil {
			t.Fatal("Close after a failed write succeeded")
		}
		assertEmptyDir(t, dir)
	}
}

func TestCloseReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.parquet")
	writeAttempts(t, path, WriteOptions{}, attemptsFor("old", 2))
	w, err := Create(path, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attemptsFor("new", 3) {
		w.Write(&a)
	}
	// Until Close the old log is intact.
	if l, err := ReadLog(path, ReadOptions{}); err != nil || l.Len() != 2 {
		t.Fatalf("old log during write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err := ReadLog(path, ReadOptions{}); err != nil || l.Len() != 3 || l.At(0).Learner != "new" {
		t.Fatalf("new log: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files left in %s", len(ents), dir)
	}
}

func TestCheckFits(t *testing.T) {
	tests := []struct {
		name         string
		rows, skills int64
		groups       int
		available    int64
		wantErr      bool
	}{
		{"fits", 1_000_000, 1_500_000, 1, 1 << 30, false},
		{"unknown memory", 100_000_000, 0, 2, 0, false},
		{"more than available", 100_000_000, 150_000_000, 1, 1 << 30, true},
		{"just over", 1000, 0, 0, logBytes(1000, 0, 0) - 1, true},
		{"just fits", 1000, 0, 0, logBytes(1000, 0, 0), false},
		{"too many skill ids", 1000, 1 << 31, 0, 0, true},
		{"too many rows", 1 << 31, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFits(tt.rows, tt.skills, tt.groups, tt.available)
			if (err != nil) != tt.wantErr {
				t.Fatalf("checkFits = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
