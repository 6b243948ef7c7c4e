package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zpd-project/zpd/internal/shareddata"
)

// TestFeaturesEveryBundledLog writes the feature table of each bundled log
// and checks one row per attempt, in part files.
func TestFeaturesEveryBundledLog(t *testing.T) {
	logs := []struct {
		format, name string
		attempts     int64
	}{
		{"assistments2009", shareddata.Assistments2009, 15882},
		{"assistments2017", shareddata.Assistments2017, 0},
		{"datashop", shareddata.CognitiveTutor, 0},
	}
	dir := t.TempDir()
	for _, l := range logs {
		log := filepath.Join(dir, l.format+".parquet")
		mustZPD(t, "import", "--format", l.format, "--in", shareddata.MustPath(t, l.name), "--out", log)
		var rep struct{ Rows int64 }
		if err := json.Unmarshal([]byte(mustZPD(t, "validate", "--json", log)), &rep); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, l.format+"-features")
		var w struct {
			Files []string
			Rows  int64
		}
		if err := json.Unmarshal([]byte(mustZPD(t, "features", "--data", log, "--out", out, "--rows-per-file", "5000", "--json")), &w); err != nil {
			t.Fatal(err)
		}
		if w.Rows != rep.Rows || (l.attempts > 0 && w.Rows != l.attempts) {
			t.Errorf("%s: %d feature rows, log has %d attempts", l.format, w.Rows, rep.Rows)
		}
		if want := int(w.Rows/5000) + 1; len(w.Files) < want-1 || len(w.Files) == 0 {
			t.Errorf("%s: %d part files for %d rows at 5000 a file", l.format, len(w.Files), w.Rows)
		}
		for _, f := range w.Files {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestFeaturesWithModel adds the elasticity model's columns.
func TestFeaturesWithModel(t *testing.T) {
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "30", "--attempts", "20", "--out", filepath.Join(dir, "sim"))
	sim := filepath.Join(dir, "sim", "attempts.parquet")
	mustZPD(t, "train", sim, "--out", filepath.Join(dir, "m"), "--evaluate=false", "--report=false", "--progress=false")
	out := mustZPD(t, "features", "--data", sim, "--out", filepath.Join(dir, "f"), "--model", filepath.Join(dir, "m"))
	if out != "features: 600 attempts of 30 learners in 1 file(s) under "+filepath.Join(dir, "f")+"\n" {
		t.Errorf("output %q", out)
	}
	code, _, errOut := zpd(t, "features", "--data", sim, "--out", filepath.Join(dir, "g"), "--model", filepath.Join(dir, "nowhere"))
	assertOneLineError(t, code, errOut, "nowhere")
	code, _, errOut = zpd(t, "features", "--data", sim)
	assertOneLineError(t, code, errOut, "--out")
}
