package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/batch"
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// scoreFixture simulates a small log with zpd simulate and fits an
// elasticity artifact on it; it returns the log file and the model dir.
func scoreFixture(t *testing.T) (log, model string) {
	t.Helper()
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "60", "--attempts", "20", "--items", "50", "--out", filepath.Join(dir, "sim"))
	log = filepath.Join(dir, "sim", "attempts.parquet")
	l, err := datasets.ReadLog(log, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := elasticity.Fit(context.Background(), l, elasticity.DefaultConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	model = filepath.Join(dir, "model")
	if err := artifact.Save(model, m, artifact.Metadata{}, "test\n"); err != nil {
		t.Fatal(err)
	}
	return log, model
}

func TestScoreWritesTables(t *testing.T) {
	log, model := scoreFixture(t)
	dir := t.TempDir()
	cands := filepath.Join(dir, "items.txt")
	if err := os.WriteFile(cands, []byte("# two items\n"+firstItems(t, model, 2)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "scores")
	code, stdout, stderr := zpd(t, "score", "--model", model, "--in", log, "--out", out, "--candidates", cands,
		"--memory-budget", "160MB", "--json", "--log-every", "0s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum struct {
		Manifest     batch.Manifest `json:"manifest"`
		ManifestPath string         `json:"manifest_path"`
		PartsScored  int            `json:"parts_scored"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if sum.Manifest.Learners != 60 || sum.Manifest.Attempts != 1200 || sum.Manifest.ReadinessRows != 120 || sum.PartsScored != 1 {
		t.Errorf("summary %+v: want 60 learners, 1200 attempts, 120 readiness rows, 1 part", sum)
	}
	m, err := batch.VerifyManifest(sum.ManifestPath)
	if err != nil || len(m.Files) != 2 {
		t.Errorf("manifest %s: %d files, %v", sum.ManifestPath, len(m.Files), err)
	}
	// Not a terminal: progress comes as log lines with rate.
	if !strings.Contains(stderr, "score: read") || !strings.Contains(stderr, "attempts/s") {
		t.Errorf("stderr %q has no progress lines", stderr)
	}
	// The same command again finds the shard complete and redoes nothing.
	again := mustZPD(t, "score", "--model", model, "--in", log, "--out", out, "--candidates", cands,
		"--memory-budget", "160MB", "--progress=false")
	if !strings.Contains(again, "scored 60 learners") || !strings.Contains(again, "0 scored, 1 reused") {
		t.Errorf("rerun printed %q, want 60 learners with the one part reused", again)
	}
}

// firstItems returns the first n item ids of the model, one per line.
func firstItems(t *testing.T, model string, n int) string {
	t.Helper()
	a, err := artifact.Load(model, func(string) (models.Family, error) { return elasticity.Family{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(a.Model.(*elasticity.Model).Params().Items[:n], "\n") + "\n"
}

func TestScoreShardFromFlagOrIndexedJob(t *testing.T) {
	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		want    batch.Shard
		wantErr string
	}{
		{"whole cohort", "", nil, batch.Shard{Index: 0, Count: 1}, ""},
		{"flag", "2/5", nil, batch.Shard{Index: 2, Count: 5}, ""},
		{"indexed job", "", map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "8"}, batch.Shard{Index: 3, Count: 8}, ""},
		{"flag beats env", "1/2", map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "8"}, batch.Shard{Index: 1, Count: 2}, ""},
		{"index without completions", "", map[string]string{"JOB_COMPLETION_INDEX": "3"}, batch.Shard{}, "JOB_COMPLETIONS"},
		{"index out of range", "", map[string]string{"JOB_COMPLETION_INDEX": "8", "JOB_COMPLETIONS": "8"}, batch.Shard{}, "index < count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scoreShard(tt.flag, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("shard %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"256MB", 256 << 20}, {"256 mib", 256 << 20}, {"1GB", 1 << 30}, {"1.5G", 3 << 29},
		{"4096", 4096}, {"64KiB", 64 << 10}, {"2TB", 2 << 40}, {"0", -1}, {"MB", -1}, {"-5MB", -1}, {"lots", -1},
	}
	for _, tt := range tests {
		got, err := parseBytes(tt.in)
		if tt.want < 0 {
			if err == nil {
				t.Errorf("parseBytes(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestScoreErrors(t *testing.T) {
	log, model := scoreFixture(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no model", []string{"--in", log, "--out", out}, []string{"--model"}},
		{"bad shard", []string{"--model", model, "--in", log, "--out", out, "--shard", "3/3"}, []string{"shard 3/3"}},
		{"bad budget", []string{"--model", model, "--in", log, "--out", out, "--memory-budget", "lots"}, []string{"--memory-budget", "lots"}},
		{"tiny budget", []string{"--model", model, "--in", log, "--out", out, "--memory-budget", "1MB"}, []string{"memory budget"}},
		{"missing log", []string{"--model", model, "--in", filepath.Join(dir, "x.parquet"), "--out", out}, []string{"x.parquet"}},
		{"not elasticity", []string{"--model", dir, "--in", log, "--out", out}, []string{"metadata.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := zpd(t, append([]string{"score", "--progress=false"}, tt.args...)...)
			assertOneLineError(t, code, errOut, tt.want...)
			assertNoFile(t, filepath.Join(out, batch.ManifestName(batch.Shard{})))
		})
	}
}

// A symlinked learners/, readiness/ or receipts/ under --out would make
// score write and delete files outside --out: it is refused, and nothing
// outside is touched (issue 16 item 6).
func TestScoreRefusesSymlinkedOutputFolders(t *testing.T) {
	log, model := scoreFixture(t)
	for _, sub := range []string{batch.LearnersDir, batch.ReceiptsDir} {
		t.Run(sub, func(t *testing.T) {
			dir := t.TempDir()
			outside := filepath.Join(dir, "elsewhere")
			if err := os.MkdirAll(outside, 0o755); err != nil {
				t.Fatal(err)
			}
			// A file of score's own naming, so a stale-file sweep would take it.
			victim := writeFile(t, filepath.Join(outside, "shard-000-of-001.part-0000.parquet"), "keep me")
			out := filepath.Join(dir, "scores")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(out, sub)); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := zpd(t, "score", "--progress=false", "--model", model, "--in", log, "--out", out)
			assertOneLineError(t, code, errOut, sub, "symlink")
			entries, _ := os.ReadDir(outside)
			if len(entries) != 1 {
				t.Errorf("score wrote into the symlinked folder: %d entries", len(entries))
			}
			if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me" {
				t.Errorf("file outside --out changed or deleted: %v", err)
			}
		})
	}
}

// TestScoreUnknownItems: a log scored with a model from another log (no
// item known) is refused with what to do; allowed, the summary says how
// many attempts and items were unknown. --data and a positional path work
// like --in.
func TestScoreUnknownItems(t *testing.T) {
	_, model := scoreFixture(t)
	dir := t.TempDir()
	other := writeAttempts(t, filepath.Join(dir, "other.parquet"),
		grid(30, 4, 10, func(l, k int) (bool, bool) { return (l+k)%2 == 0, true }))
	code, _, errOut := zpd(t, "score", "--model", model, "--data", other, "--out", filepath.Join(dir, "s1"), "--progress=false")
	assertOneLineError(t, code, errOut, "120 of 120 attempts", "10 items", "--allow-unknown-items")
	out := mustZPD(t, "score", "--model", model, other, "--out", filepath.Join(dir, "s2")+"/", "--progress=false", "--allow-unknown-items")
	if !strings.Contains(out, "120 attempts (100.0%) were at 10 items the model does not know") {
		t.Errorf("summary %q does not count the unknown attempts", out)
	}
	if strings.Contains(out, "//") {
		t.Errorf("summary %q prints a double slash", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "s2", batch.ManifestName(batch.Shard{})))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"unknown_attempts": 120`) || !strings.Contains(string(raw), `"unknown_items": 10`) {
		t.Errorf("manifest does not count unknown attempts and items:\n%s", raw)
	}
}

func TestScoreRecommend(t *testing.T) {
	log, model := scoreFixture(t)
	dir := t.TempDir()
	cands := filepath.Join(dir, "items.txt")
	if err := os.WriteFile(cands, []byte(firstItems(t, model, 5)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "scores")
	stdout := mustZPD(t, "score", "--model", model, "--in", log, "--out", out, "--candidates", cands,
		"--recommend", "2", "--policy", "zpdes", "--json", "--progress=false")
	var sum struct {
		Manifest batch.Manifest `json:"manifest"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if sum.Manifest.RecommendationRows != 120 || sum.Manifest.Policy != "zpdes" || sum.Manifest.Recommend != 2 {
		t.Errorf("manifest %+v: want 120 recommendation rows by zpdes", sum.Manifest)
	}
	files, _ := filepath.Glob(filepath.Join(out, batch.RecommendationsDir, "*.parquet"))
	if len(files) != 1 {
		t.Errorf("recommendations files %v, want one", files)
	}
	code, _, stderr := zpd(t, "score", "--model", model, "--in", log, "--out", out, "--recommend", "2", "--progress=false")
	if code == 0 || !strings.Contains(stderr, "candidates") {
		t.Errorf("--recommend without --candidates: exit %d, %q", code, stderr)
	}
}
