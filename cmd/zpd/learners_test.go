package main

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/store/storetest"
)

// TestLearnersImportExportRoundTrip seeds a store from a simulated log
// with group columns, imports it again (nothing added), exports it, and
// compares the two logs attempt by attempt.
func TestLearnersImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim")
	mustZPD(t, "simulate", "--learners", "30", "--attempts", "8", "--groups", "2", "--out", sim)
	storetest.Each(t, func(t *testing.T, dsn string) {
		out := mustZPD(t, "learners", "import", "--store", dsn, "--data", sim)
		if !strings.Contains(out, "30 learners, 240 attempts added, 0 already stored") {
			t.Fatalf("first import: %q", out)
		}
		out = mustZPD(t, "learners", "import", "--store", dsn, "--data", sim)
		if !strings.Contains(out, "30 learners, 0 attempts added, 240 already stored") {
			t.Fatalf("second import: %q", out)
		}
		exported := filepath.Join(t.TempDir(), "learners.parquet")
		out = mustZPD(t, "learners", "export", "--store", dsn, "--data", exported)
		if !strings.Contains(out, "30 learners, 240 attempts") {
			t.Fatalf("export: %q", out)
		}
		want, got := readSorted(t, sim), readSorted(t, exported)
		if len(got) != len(want) {
			t.Fatalf("exported %d attempts, imported %d", len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("attempt %d:\nexported %+v\nimported %+v", i, got[i], want[i])
			}
		}
	})
}

// readSorted reads a log's attempts ordered by learner and seq, groups by
// name, NaNs replaced so that DeepEqual compares them.
func readSorted(t *testing.T, path string) []string {
	t.Helper()
	log, err := datasets.ReadLog(path, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.GroupNames) != 1 {
		t.Fatalf("%s: group columns %v, want 1", path, log.GroupNames)
	}
	var rows []string
	for i := range log.Len() {
		a := log.At(i)
		groups := map[string]string{}
		for g, name := range log.GroupNames {
			groups[name] = a.Groups[g]
		}
		a.Groups = nil
		if math.IsNaN(a.ResponseMS) {
			a.ResponseMS = -1
		}
		if math.IsNaN(a.Difficulty) {
			a.Difficulty = -1e9
		}
		rows = append(rows, fmt.Sprintf("%s %020d %+v %v", a.Learner, a.Seq+1<<40, a, groups))
	}
	sort.Strings(rows)
	return rows
}

func TestLearnersErrors(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim")
	mustZPD(t, "simulate", "--learners", "5", "--attempts", "4", "--out", sim)
	code, _, errOut := zpd(t, "learners", "import", "--data", sim)
	assertOneLineError(t, code, errOut, "--store")
	code, _, errOut = zpd(t, "learners", "import", "--store", "mysql://x", "--data", sim)
	assertOneLineError(t, code, errOut, "sqlite:PATH")
	code, _, errOut = zpd(t, "learners", "import", "--store", "sqlite:"+filepath.Join(dir, "s.db"), "--data", filepath.Join(dir, "missing.parquet"))
	assertOneLineError(t, code, errOut, "missing.parquet")
	// A stored learner already past the log's seqs: refused by name.
	dsn := "sqlite:" + filepath.Join(dir, "s.db")
	mustZPD(t, "learners", "import", "--store", dsn, "--data", sim)
	shifted := filepath.Join(dir, "shifted.parquet")
	log, err := datasets.ReadLog(sim, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range log.Seq {
		log.Seq[i] -= 1000
	}
	w, err := datasets.Create(shifted, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLog(log); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = zpd(t, "learners", "import", "--store", dsn, "--data", shifted)
	assertOneLineError(t, code, errOut, "learner", "not after the learner's newest stored seq")
	// A failed export leaves no file.
	out := filepath.Join(dir, "nodir", "x.parquet")
	code, _, _ = zpd(t, "learners", "export", "--store", dsn, "--data", out)
	if code == 0 {
		t.Fatal("export into a missing directory succeeded")
	}
	assertNoFile(t, out)
}
