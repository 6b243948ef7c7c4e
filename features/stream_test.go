package features

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets"
)

// saveLog writes log to a Parquet file in a temporary directory, in small
// row groups so that the Reader yields several batches.
func saveLog(t *testing.T, log *datasets.Log) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.parquet")
	w, err := datasets.Create(path, datasets.WriteOptions{RowGroupRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLog(log); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readRows reads the part files of a feature table into its rows, each
// row every column's value as text, keyed by learner@seq.
func readRows(t *testing.T, dir string, files []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range files {
		pf, err := file.OpenParquetFile(filepath.Join(dir, name), false)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rd := array.NewTableReader(tbl, 0)
		for rd.Next() {
			rec := rd.RecordBatch()
			for i := range int(rec.NumRows()) {
				var vals []string
				for _, col := range rec.Columns() {
					vals = append(vals, col.ValueStr(i))
				}
				key := vals[0] + "@" + vals[3]
				if _, dup := out[key]; dup {
					t.Fatalf("%s: row %s twice", name, key)
				}
				out[key] = strings.Join(vals, " ")
			}
		}
		rd.Release()
		tbl.Release()
		pf.Close()
	}
	return out
}

// pastItems is an Extra whose columns are the learner's earlier attempts
// and the summed lengths of their item ids: it reads ids through the Log
// it walks, so a part's Log must name them as the whole log does.
type pastItems struct{}

func (pastItems) Columns() []string { return []string{"past", "past_item_chars"} }
func (pastItems) Walk(log *datasets.Log) Walker {
	return &pastWalker{log: log}
}

type pastWalker struct {
	log      *datasets.Log
	n, chars float64
}

func (w *pastWalker) Reset() { w.n, w.chars = 0, 0 }
func (w *pastWalker) Before(dst []float64, row int) []float64 {
	return append(dst, w.n, w.chars)
}
func (w *pastWalker) Observe(row int) {
	w.n++
	w.chars += float64(len(w.log.Items.ID(w.log.Item[row])))
}

// TestWriteLogParquetPartsEqualWhole: a log streamed through spill parts
// gives the table the whole log in memory gives, row for row, with an
// Extra, whatever the part size.
func TestWriteLogParquetPartsEqualWhole(t *testing.T) {
	log := randomLog(80, 5)
	path := saveLog(t, log)
	whole, err := datasets.ReadLog(path, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := WriteParquet(context.Background(), whole, dir, 0.5, pastItems{}, WriteOptions{RowsPerFile: 300})
	if err != nil {
		t.Fatal(err)
	}
	want := readRows(t, dir, w.Files)
	if len(want) != log.Len() {
		t.Fatalf("in-memory table has %d rows, log %d", len(want), log.Len())
	}
	for _, part := range []int{0, 97, 400, 5000} {
		dir := t.TempDir()
		got, err := WriteLogParquet(context.Background(), path, dir, 0.5, pastItems{}, WriteOptions{RowsPerFile: 300, RowGroup: 64, PartAttempts: part})
		if err != nil {
			t.Fatalf("part size %d: %v", part, err)
		}
		if got.Rows != int64(log.Len()) || got.Learners != 80 {
			t.Errorf("part size %d: wrote %+v", part, got)
		}
		rows := readRows(t, dir, got.Files)
		for key, row := range want {
			if rows[key] != row {
				t.Fatalf("part size %d: row %s\n got %s\nwant %s", part, key, rows[key], row)
			}
		}
		if len(rows) != len(want) {
			t.Errorf("part size %d: %d rows, want %d", part, len(rows), len(want))
		}
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, got.Files) {
			t.Errorf("part size %d: directory holds %v, wrote %v (spill left behind?)", part, names, got.Files)
		}
	}
}

// TestWriteLogParquetFailures: a cancelled run and a log with a fatal
// problem leave no part file and no spill directory, and the error names
// the file.
func TestWriteLogParquetFailures(t *testing.T) {
	path := saveLog(t, randomLog(40, 6))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, err := WriteLogParquet(ctx, path, dir, 0.5, nil, WriteOptions{PartAttempts: 50}); err == nil {
		t.Error("a cancelled write succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled write left %v", entries)
	}

	bad := randomLog(40, 7)
	bad.HintsUsed[len(bad.HintsUsed)-1] = -3 // a fatal problem in the last row
	badPath := saveLog(t, bad)
	for _, part := range []int{0, 50} {
		dir := t.TempDir()
		_, err := WriteLogParquet(context.Background(), badPath, dir, 0.5, nil, WriteOptions{PartAttempts: part, RowsPerFile: 20, RowGroup: 10})
		if err == nil || !strings.Contains(err.Error(), badPath) || !strings.Contains(err.Error(), datasets.ColHintsUsed) {
			t.Errorf("part size %d: error %v, want one naming %s and %s", part, err, badPath, datasets.ColHintsUsed)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("part size %d: a failed write left %s", part, entries[0].Name())
		}
	}
}

// TestStreamedWriteSweepsAbandonedSpills: a spill directory left by a
// killed run (old, unlocked) is removed by the next streamed write into
// the same folder; a young one, or one a running write holds, stays.
func TestStreamedWriteSweepsAbandonedSpills(t *testing.T) {
	dir := t.TempDir()
	if probe, err := lockSpill(dir); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no directory locks on this platform: abandoned spills are left")
	} else if err == nil {
		probe.Close()
	}
	mk := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "part-00000.spill"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		return p
	}
	abandoned := mk(spillPrefix+"killed", time.Hour)
	young := mk(spillPrefix+"young", 0)
	held := mk(spillPrefix+"held", time.Hour)
	lock, err := lockSpill(held)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	path := saveLog(t, randomLog(40, 8))
	if _, err := WriteLogParquet(context.Background(), path, dir, 0.5, nil, WriteOptions{PartAttempts: 50}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{abandoned: false, young: true, held: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
