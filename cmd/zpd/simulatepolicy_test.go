package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulatePolicyWritesReport(t *testing.T) {
	dir := t.TempDir()
	world := writeFile(t, filepath.Join(dir, "world.yaml"),
		"name: tiny\nbank:\n  skills: 4\n  items: 40\nplatform:\n  calibration_learners: 50\n  calibration_steps: 20\n")
	out := filepath.Join(dir, "out")
	stdout := mustZPD(t, "simulate-policy", "--world", world, "--learners", "30", "--steps", "15",
		"--policies", "mastery-first,zpd-pod,random", "--resamples", "20", "--out", out, "--json")
	var s struct {
		World    string `json:"world"`
		Learners int    `json:"learners"`
		Baseline string `json:"baseline"`
		Policies []struct {
			Name string `json:"name"`
		} `json:"policies"`
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if s.World != "tiny" || s.Learners != 30 || s.Baseline != "mastery-first" || len(s.Policies) != 3 || s.Policies[2].Name != "random" {
		t.Errorf("summary %+v", s)
	}
	for _, f := range []string{"summary.json", "summary.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestSimulatePolicyBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), "reach: 2\n")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--policies", "mastery-first,nope", "--out", dir}, `unknown policy "nope"`},
		{[]string{"--world", bad, "--out", dir}, "reach = 2"},
		{[]string{"--world", bad}, "--out is required"},
		{[]string{"--world", bad, "--world-from", dir, "--out", dir}, "not both"},
	} {
		code, _, stderr := zpd(t, append([]string{"simulate-policy"}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}
