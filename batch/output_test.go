package batch

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// learnerRow is a learners-table row as read back from Parquet.
type learnerRow struct {
	id, version                               string
	attempts, independent, supported, lastSeq int64
	lastTimeMS                                int64 // noTime when null
	floats                                    [14]float64
}

// sameRow reports whether two rows are equal, a NaN (null) equal to itself.
func (a learnerRow) sameRow(b learnerRow) bool {
	fa, fb := a.floats, b.floats
	a.floats, b.floats = [14]float64{}, [14]float64{}
	if a != b {
		return false
	}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return false
		}
	}
	return true
}

// readinessRow is a readiness-table row as read back.
type readinessRow struct {
	learner, item, zone string
	floats              [7]float64
}

// readParquet returns the record batches of the Parquet files matching
// glob, in file-name order, checking each has schema want.
func readParquet(t *testing.T, glob string, want *arrow.Schema) []arrow.RecordBatch {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []arrow.RecordBatch
	for _, f := range files {
		pf, err := file.OpenParquetFile(f, false)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !sameFields(rr.Schema(), want) {
			t.Fatalf("%s: schema\n%v\nwant\n%v", f, rr.Schema(), want)
		}
		for rr.Next() {
			rec := rr.RecordBatch()
			rec.Retain()
			out = append(out, rec)
		}
		if err := rr.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rr.Release()
		pf.Close()
	}
	return out
}

// readLearners reads every learners-table file under out.
func readLearners(t *testing.T, out string) []learnerRow {
	t.Helper()
	var rows []learnerRow
	for _, rec := range readParquet(t, filepath.Join(out, LearnersDir, "*.parquet"), LearnersSchema()) {
		ints := func(c int) *array.Int64 { return rec.Column(c).(*array.Int64) }
		ts := rec.Column(6).(*array.Timestamp)
		for i := range int(rec.NumRows()) {
			r := learnerRow{
				id:       rec.Column(0).(*array.String).Value(i),
				version:  rec.Column(1).(*array.String).Value(i),
				attempts: ints(2).Value(i), independent: ints(3).Value(i), supported: ints(4).Value(i),
				lastSeq: ints(5).Value(i), lastTimeMS: noTime,
			}
			if ts.IsValid(i) {
				r.lastTimeMS = int64(ts.Value(i))
			}
			for j := range r.floats {
				// A null (the ZPD band of a learner support does not help)
				// reads as NaN.
				if c := rec.Column(7 + j).(*array.Float64); c.IsNull(i) {
					r.floats[j] = math.NaN()
				} else {
					r.floats[j] = c.Value(i)
				}
			}
			rows = append(rows, r)
		}
		rec.Release()
	}
	return rows
}

// readReadiness reads every readiness-table file under out.
func readReadiness(t *testing.T, out string) []readinessRow {
	t.Helper()
	var rows []readinessRow
	for _, rec := range readParquet(t, filepath.Join(out, ReadinessDir, "*.parquet"), ReadinessSchema()) {
		str := func(c int) *array.String { return rec.Column(c).(*array.String) }
		for i := range int(rec.NumRows()) {
			r := readinessRow{learner: str(0).Value(i), item: str(1).Value(i), zone: str(9).Value(i)}
			for j := range r.floats {
				r.floats[j] = rec.Column(2 + j).(*array.Float64).Value(i)
			}
			rows = append(rows, r)
		}
		rec.Release()
	}
	return rows
}

// sortedLearners returns rows sorted by learner id.
func sortedLearners(rows []learnerRow) []learnerRow {
	sort.Slice(rows, func(a, b int) bool { return rows[a].id < rows[b].id })
	return rows
}

// sortedReadiness returns rows sorted by learner then item.
func sortedReadiness(rows []readinessRow) []readinessRow {
	sort.Slice(rows, func(a, b int) bool {
		if rows[a].learner != rows[b].learner {
			return rows[a].learner < rows[b].learner
		}
		return rows[a].item < rows[b].item
	})
	return rows
}

// listFiles returns the paths under dir relative to it, recursively.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// sameFields reports whether two schemas have the same field names, types
// and nullability (field metadata aside).
func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) || fa.Nullable != fb.Nullable {
			return false
		}
	}
	return true
}
