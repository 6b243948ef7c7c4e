package simulate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets"
)

// readAttempts reads attempts.parquet with arrow-go directly, independently
// of the datasets package's reader.
func readAttempts(t *testing.T, path string) arrow.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestWriteDir(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 200
	cfg.Groups = 2
	cfg.GroupThetaShift = []float64{-0.5, 0.5}
	dir := filepath.Join(t.TempDir(), "sim")
	truth, err := WriteDir(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	log, memTruth := simulateLog(t, cfg)
	if !reflect.DeepEqual(truth, memTruth) {
		t.Error("WriteDir and SimulateLog drew different truths from one config")
	}

	tbl := readAttempts(t, filepath.Join(dir, AttemptsFile))
	defer tbl.Release()
	if tbl.NumRows() != int64(log.Len()) {
		t.Fatalf("%s has %d rows, SimulateLog %d", AttemptsFile, tbl.NumRows(), log.Len())
	}
	want := datasets.Schema(GroupColumn)
	for i, f := range want.Fields() {
		if got := tbl.Schema().Field(i); got.Name != f.Name || !arrow.TypeEqual(got.Type, f.Type) {
			t.Errorf("column %d is %s %s, want %s %s", i, got.Name, got.Type, f.Name, f.Type)
		}
	}
	learners := tableStrings(t, tbl, datasets.ColLearner)
	items := tableStrings(t, tbl, datasets.ColItem)
	groups := tableStrings(t, tbl, GroupColumn)
	indep := tableColumn[*array.Boolean](t, tbl, datasets.ColIndependent)
	hints := tableColumn[*array.Int32](t, tbl, datasets.ColHintsUsed)
	seq := tableColumn[*array.Int64](t, tbl, datasets.ColSeq)
	diff := tableColumn[*array.Float64](t, tbl, datasets.ColDifficulty)
	for r := 0; r < log.Len(); r++ {
		a := log.At(r)
		if learners[r] != a.Learner || items[r] != a.Item || groups[r] != a.Groups[0] ||
			indep.Value(r) != a.Independent || hints.Value(r) != a.HintsUsed || seq.Value(r) != a.Seq || !diff.IsNull(r) {
			t.Fatalf("row %d of %s differs from SimulateLog's %+v", r, AttemptsFile, a)
		}
	}

	back, err := ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, truth) {
		t.Errorf("ReadTruth gave back a different truth:\n%+v\nwant\n%+v", back.Learners[:2], truth.Learners[:2])
	}
}

func tableColumn[A arrow.Array](t *testing.T, tbl arrow.Table, name string) A {
	t.Helper()
	a, err := column[A]("attempts", tbl, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Release)
	return a
}

func tableStrings(t *testing.T, tbl arrow.Table, name string) []string {
	t.Helper()
	col := tbl.Column(tbl.Schema().FieldIndices(name)[0])
	var out []string
	for _, c := range col.Data().Chunks() {
		for i := 0; i < c.Len(); i++ {
			out = append(out, c.ValueStr(i))
		}
	}
	return out
}

func TestWriteDirInvalidConfigWritesNothing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Learners = 0
	dir := filepath.Join(t.TempDir(), "sim")
	if _, err := WriteDir(context.Background(), cfg, dir); err == nil {
		t.Fatal("WriteDir accepted Learners = 0")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("WriteDir with a bad config left %s (stat: %v)", dir, err)
	}
}

func TestReadTruthErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 20
	dir := t.TempDir()
	if _, err := WriteDir(context.Background(), cfg, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, ItemsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTruth(dir); err == nil {
		t.Error("ReadTruth without items.parquet succeeded")
	}
	if err := os.WriteFile(filepath.Join(dir, TruthFile), []byte(`{"format":"other","version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTruth(dir); err == nil {
		t.Error("ReadTruth accepted a truth.json of another format")
	}
}

func TestWriteDirSameSeedSameBytes(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = 2
	var dirs []string
	for _, workers := range []int{1, 3} {
		cfg.Workers = workers
		dir := filepath.Join(t.TempDir(), "sim")
		if _, err := WriteDir(context.Background(), cfg, dir); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for _, name := range []string{AttemptsFile, LearnersFile, ItemsFile, TruthFile} {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs of one config (1 and 3 workers)", name)
		}
	}
}

// WriteDir overwrites an earlier simulation, but never a file of the same
// name that zpd simulate did not write (an imported attempts.parquet, say).
func TestWriteDirKeepsFilesItDidNotWrite(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 20
	for _, name := range []string{AttemptsFile, LearnersFile, ItemsFile, TruthFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("the user's own file"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := WriteDir(context.Background(), cfg, dir)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "did not write") {
				t.Fatalf("WriteDir error %v, want one naming %s", err, path)
			}
			if b, _ := os.ReadFile(path); string(b) != "the user's own file" {
				t.Fatalf("%s was overwritten", name)
			}
		})
	}
	dir := t.TempDir()
	for range 2 { // a second run replaces the first
		if _, err := WriteDir(context.Background(), cfg, dir); err != nil {
			t.Fatal(err)
		}
	}
}

// tree lists every file under dir with its size and modification time, and
// every directory, to compare before and after a run.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			// Its modification time changes with any temporary file.
			out[path] = "dir"
		} else {
			out[path] = fmt.Sprint(info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// A cancelled WriteDir returns promptly with the context's error and
// publishes nothing: a new directory is gone again, an earlier simulation
// is left as it was, and no temporary file remains (issue 16).
func TestWriteDirStopsWhenCancelled(t *testing.T) {
	big := DefaultConfig()
	big.Learners, big.MinAttempts, big.MaxAttempts = 200_000, 100, 100 // 20M attempts: tens of seconds
	for _, earlier := range []bool{false, true} {
		t.Run(fmt.Sprintf("earlier simulation %v", earlier), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sim")
			if earlier {
				small := testConfig()
				small.Learners = 20
				if _, err := WriteDir(context.Background(), small, dir); err != nil {
					t.Fatal(err)
				}
			}
			before := tree(t, dir)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := WriteDir(ctx, big, dir)
				done <- err
			}()
			time.Sleep(300 * time.Millisecond)
			cancel()
			cancelled := time.Now()
			select {
			case err := <-done:
				took := time.Since(cancelled)
				t.Logf("stopped %s after the cancel", took)
				if took > stopBound {
					t.Errorf("took %s to stop after the cancel, want at most %s", took, stopBound)
				}
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("WriteDir = %v, want context.Canceled", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("still running 30s after the cancel")
			}
			if after := tree(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("the cancelled run changed %s:\nbefore %v\nafter  %v", dir, before, after)
			}
		})
	}
}

// run stops at the chunk after a cancel and emits nothing more.
func TestRunStopsWhenCancelled(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 400
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chunks := 0
	err := newGenerator(cfg).run(ctx, 500, func(*chunk) error {
		chunks++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || chunks != 1 {
		t.Errorf("run = %v after %d chunks, want context.Canceled after 1", err, chunks)
	}
}
