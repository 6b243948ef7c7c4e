package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

type simulateSummary struct {
	Attempts int64 `json:"attempts"`
	Learners int   `json:"learners"`
	Items    int   `json:"items"`
}

func simulateJSON(t *testing.T, args ...string) simulateSummary {
	t.Helper()
	stdout := mustZPD(t, append([]string{"simulate", "--json"}, args...)...)
	var s simulateSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	return s
}

func TestSimulateWritesLogAndTruth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sim")
	s := simulateJSON(t, "--learners", "20", "--items", "30", "--attempts", "15", "--seed", "7", "--out", out)
	if s.Learners != 20 || s.Items != 30 || s.Attempts != 20*15 {
		t.Fatalf("summary %+v, want 20 learners, 30 items, 300 attempts", s)
	}
	for _, f := range []string{"attempts.parquet", "_truth/learners.parquet", "_truth/items.parquet", "_truth/truth.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// The directory itself is the log: the truth files are not read as attempts.
	for _, path := range []string{filepath.Join(out, "attempts.parquet"), out} {
		log, err := datasets.ReadLog(path, datasets.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if log.Len() != 300 || log.Learners.Len() != 20 {
			t.Errorf("%s: %d attempts by %d learners", path, log.Len(), log.Learners.Len())
		}
	}
	model := filepath.Join(t.TempDir(), "m")
	mustZPD(t, "train", "--data", out, "--out", model, "--report=false", "--progress=false")
	mustZPD(t, "score", "--model", model, "--data", out, "--out", filepath.Join(t.TempDir(), "s"), "--progress=false")
}

// Settings come from flag defaults < config file < environment < flags.
func TestSimulateConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "sim.yaml"), "simulate:\n  learners: 4\n  items: 9\n  attempts: 3\n")
	out := filepath.Join(dir, "sim")

	s := simulateJSON(t, "--config", cfg, "--out", out)
	if s.Learners != 4 || s.Items != 9 || s.Attempts != 12 {
		t.Errorf("config file: %+v, want 4 learners, 9 items, 12 attempts", s)
	}
	t.Setenv("ZPD_SIMULATE_LEARNERS", "6")
	if s := simulateJSON(t, "--config", cfg, "--out", out); s.Learners != 6 || s.Items != 9 {
		t.Errorf("env over config: %+v, want 6 learners, 9 items", s)
	}
	if s := simulateJSON(t, "--config", cfg, "--learners", "2", "--out", out); s.Learners != 2 {
		t.Errorf("flag over env: %+v, want 2 learners", s)
	}
}

func TestSimulateBadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		yaml string
		args []string
		want string
	}{
		{"misspelt key", "simulate:\n  lerners: 4\n", nil, "lerners"},
		{"invalid value", "", []string{"--learners", "-3"}, "earners"},
		{"not yaml", "simulate: [\n", nil, "sim.yaml"},
		{"no out", "", []string{"--out", ""}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeFile(t, filepath.Join(dir, "sim.yaml"), tt.yaml)
			args := append([]string{"simulate", "--config", cfg, "--out", filepath.Join(dir, "o")}, tt.args...)
			code, _, errOut := zpd(t, args...)
			assertOneLineError(t, code, errOut, tt.want)
		})
	}
}
