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
		{[]string{"--summarize-bank", "--out", dir}, "give it"},
	} {
		code, _, stderr := zpd(t, append([]string{"simulate-policy"}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}

// --world-from with --summarize-bank and --world keeps the file's name,
// time and platform, takes the population, bank spread and learning from
// the artifact, and saves a world that runs as a --world file with the
// same results.
func TestSimulatePolicySummarizedWorld(t *testing.T) {
	dir := t.TempDir()
	model := trainElasticity(t)
	base := writeFile(t, filepath.Join(dir, "base.yaml"),
		"name: fitted\ndescription: from a model\ntime:\n  failed: 2m\nplatform:\n  candidates_per_skill: 1\n  calibration_learners: 40\n  calibration_steps: 20\n")
	saved := filepath.Join(dir, "saved.yaml")
	args := []string{"simulate-policy", "--learners", "20", "--steps", "10", "--resamples", "10",
		"--policies", "mastery-first,zpd-pod", "--json"}
	first := mustZPD(t, append(args, "--world", base, "--world-from", model, "--summarize-bank",
		"--save-world", saved, "--out", filepath.Join(dir, "a"))...)
	raw, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: fitted", "description: from a model", "failed: 2m0s", "candidates_per_skill: 1",
		"skills: 4", "items: 30", "practice: log1p"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("saved world lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "list:") {
		t.Errorf("summarised world lists its items:\n%s", raw)
	}
	again := mustZPD(t, append(args, "--world", saved, "--out", filepath.Join(dir, "b"))...)
	if first != again {
		t.Errorf("the saved world runs differently:\n%s\n%s", first, again)
	}
}
