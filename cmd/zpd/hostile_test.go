package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileDir holds the files datasets' TestHostileFiles builds: logs whose
// footer or schema lies, and well-formed logs that break a fatal
// validation rule.
const hostileDir = "../../datasets/testdata/hostile"

// Every command that reads a log refuses each hostile file with one line
// naming it, promptly (issue 16: score planned 2^62 rows and grew memory
// until the kernel killed it).
func TestCommandsRefuseHostileLogs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(hostileDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile files in %s (%v)", hostileDir, err)
	}
	_, model := scoreFixture(t)
	for _, path := range files {
		name := filepath.Base(path)
		out := t.TempDir()
		commands := map[string][]string{
			"validate": {"validate", path},
			"train":    {"train", "--progress=false", "--data", path, "--out", filepath.Join(out, "model")},
			"eval":     {"eval", "--data", path},
			"score":    {"score", "--progress=false", "--model", model, "--in", path, "--out", filepath.Join(out, "scores")},
			"report":   {"report", "--model", model, "--data", path, "--out", filepath.Join(out, "report.html")},
			"features": {"features", "--data", path, "--out", filepath.Join(out, "features")},
		}
		for cmd, args := range commands {
			t.Run(name+"/"+cmd, func(t *testing.T) {
				code, stderr := runWithin(t, 60*time.Second, args...)
				assertOneLineError(t, code, stderr, name)
				if cmd != "validate" && strings.Contains(stderr, "\n") && strings.Count(stderr, "\n") > 1 {
					t.Errorf("stderr %q", stderr)
				}
			})
		}
	}
}

// runWithin runs zpd in-process and fails the test if it has not returned
// within d.
func runWithin(t *testing.T, d time.Duration, args ...string) (int, string) {
	t.Helper()
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := zpd(t, args...)
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(d):
		t.Fatalf("zpd %s still running after %s", strings.Join(args, " "), d)
		return 0, ""
	}
}
