package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// pageLayouts are writer settings that change how string columns are
// stored in pages: dictionary or PLAIN values, data page v1 or v2, many
// small pages (lists then span pages in v1), several row groups, and a
// dictionary that overflows into PLAIN pages mid-chunk.
var pageLayouts = []struct {
	name  string
	props []parquet.WriterProperty
}{
	{"default", nil},
	{"plain", []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}},
	{"v2", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2)}},
	{"small pages", []parquet.WriterProperty{parquet.WithDataPageSize(128), parquet.WithBatchSize(7)}},
	{"dictionary overflow", []parquet.WriterProperty{parquet.WithDictionaryPageSizeLimit(300), parquet.WithDataPageSize(512)}},
	{"row groups v2", []parquet.WriterProperty{parquet.WithMaxRowGroupLength(701),
		parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(256)}},
	{"uncompressed", []parquet.WriterProperty{parquet.WithCompression(0)}},
}

// writePqarrow writes rec to path with pqarrow and the given properties.
func writePqarrow(t *testing.T, path string, rec arrow.RecordBatch, props ...parquet.WriterProperty) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// assertPageRead checks that every string column of the Parquet file at
// path is read by the page reader, not the pqarrow path.
func assertPageRead(t *testing.T, path string) {
	t.Helper()
	files, err := listLog(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := openSource(files[0], ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	for j, tg := range src.targets {
		if tg.canon >= 0 && tg.canon != colLearner && tg.canon != colItem && tg.canon != colSkills {
			continue
		}
		if _, ok := src.stringPages(j); !ok {
			t.Errorf("column %s is not read page by page", src.schema.Field(src.fields[j]).Name)
		}
	}
}

func TestStringPagesReadEveryLayout(t *testing.T) {
	groups := []string{"group_0", "group_1"}
	l := synthLog(3000, 7, len(groups))
	want := make([]Attempt, l.Len())
	for i := range want {
		want[i] = l.At(i)
	}
	rec, err := logRecord(Schema(groups...), groups, l, 0, l.Len())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for _, layout := range pageLayouts {
		t.Run(layout.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log.parquet")
			writePqarrow(t, path, rec, layout.props...)
			assertPageRead(t, path)
			got, err := ReadLog(path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			assertAttempts(t, got, groups, want)
		})
	}
}

// nullRows hold every kind of null and empty string value: null and
// empty ids, null groups, empty skill lists, null and empty skills. A null
// skill list stops the row checks, so it has rows of its own.
var nullRows = []string{rowsJSON(
	`{"learner_id":"a","item_id":"i1","skill_ids":["s1","s2"],"group_g":"x","seq":1,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":null,"item_id":"i2","skill_ids":[],"group_g":null,"seq":2,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"a","item_id":null,"skill_ids":[],"group_g":"","seq":3,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"","item_id":"i1","skill_ids":["s1",null,"s3"],"group_g":"y","seq":4,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"b","item_id":"","skill_ids":[null],"group_g":"x","seq":1,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"b","item_id":"i3","skill_ids":["",""],"group_g":null,"seq":2,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"b","item_id":"i3","skill_ids":["s2"],"group_g":"y","seq":3,"correct_independent":true,"correct_supported":true}`,
), rowsJSON(
	`{"learner_id":"a","item_id":"i1","skill_ids":["s1"],"group_g":"x","seq":1,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"a","item_id":"i1","skill_ids":null,"group_g":"x","seq":2,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"a","item_id":"i1","skill_ids":[],"group_g":"x","seq":3,"correct_independent":true,"correct_supported":true}`,
	`{"learner_id":"a","item_id":"i1","skill_ids":null,"group_g":"x","seq":4,"correct_independent":true,"correct_supported":true}`,
)}

// problemLines returns the report's problems without their file, and its
// counts, for comparing two files' reports.
func problemLines(rep *ValidationReport) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, fmt.Sprintf("%d:%s: %s (fatal %v)", p.Row, p.Column, p.Message, p.Fatal))
	}
	for k, n := range rep.Counts {
		out = append(out, fmt.Sprintf("count %s = %d", k, n))
	}
	return out
}

// TestStringPagesNullsMatchArrowPath checks that nulls and empty strings
// in string columns are reported exactly as the Arrow decoders (which
// read the same rows from IPC) report them, in every page layout.
func TestStringPagesNullsMatchArrowPath(t *testing.T) {
	fields := with(fSkills, rawField{"group_g", arrow.BinaryTypes.String})
	var fs []arrow.Field
	for _, f := range fields {
		fs = append(fs, arrow.Field{Name: f.name, Type: f.typ, Nullable: true})
	}
	md := arrow.NewMetadata([]string{SchemaVersionKey}, []string{"1"})
	sc := arrow.NewSchema(fs, &md)
	for k, rows := range nullRows {
		ipcPath := filepath.Join(t.TempDir(), "log.arrow")
		writeRaw(t, ipcPath, fields, "1", rows)
		_, wantRep, _ := ReadLogReport(ipcPath, ReadOptions{MaxProblems: 100})
		want := problemLines(wantRep)
		if wantRep.Fatal < 2 {
			t.Fatalf("rows %d raised %q, want several problems", k, want)
		}
		rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		for _, layout := range pageLayouts {
			t.Run(fmt.Sprintf("%d/%s", k, layout.name), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "log.parquet")
				writePqarrow(t, path, rec, layout.props...)
				assertPageRead(t, path)
				_, rep, err := ReadLogReport(path, ReadOptions{MaxProblems: 100})
				if err == nil {
					t.Fatal("no error for null values")
				}
				if got := problemLines(rep); !reflect.DeepEqual(sortedCopy(got), sortedCopy(want)) {
					t.Errorf("problems\n got %q\nwant %q", got, want)
				}
			})
		}
	}
}

// sortedCopy returns s sorted (counts come from a map).
func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestForeignWriterFiles reads Parquet files written by parquet-go
// (testdata/parquetgo; gen/ writes them): dictionary-encoded strings in
// v2 data pages (skill lists over several pages) in two row groups, and
// DELTA_LENGTH_BYTE_ARRAY strings with a legacy two-level skill list
// (read through pqarrow).
// ReadLog must give what the streaming Reader gives, decoded here with
// plain Arrow accessors.
func TestForeignWriterFiles(t *testing.T) {
	tests := []struct {
		name     string
		pageRead bool
	}{
		{"parquet-go-dict.parquet", true},
		{"parquet-go-plain.parquet", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "parquetgo", tt.name)
			if tt.pageRead {
				assertPageRead(t, path)
			}
			got, err := ReadLog(path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Open(path, ReadOptions{BatchSize: 333})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			want := NewLog("group_school")
			for r.Next() {
				appendRecord(t, want, r.Record())
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if want.Len() != 2000 {
				t.Fatalf("the Reader gave %d rows, want 2000", want.Len())
			}
			as := make([]Attempt, want.Len())
			for i := range as {
				as[i] = want.At(i)
			}
			assertAttempts(t, got, []string{"group_school"}, as)
			// gen/main.go: learner L000 (no school) has seq 1, 2, ...
			if a := got.At(1); a.Learner != "L000" || a.Seq != 2 || a.Groups[0] != "" {
				t.Errorf("row 1 = %+v", a)
			}
		})
	}
}
