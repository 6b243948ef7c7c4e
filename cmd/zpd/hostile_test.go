package main

import (
	"os"
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
// naming it, promptly, and writes no output (issue 16: score planned 2^62
// rows and grew memory until the kernel killed it). Each file is given
// alone and inside a directory (the multi-file reader path); import gets
// it as its source file.
func TestCommandsRefuseHostileLogs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(hostileDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile files in %s (%v)", hostileDir, err)
	}
	_, model := scoreFixture(t)
	for _, file := range files {
		name := filepath.Base(file)
		logDir := filepath.Join(t.TempDir(), "log")
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(logDir, name), string(raw))
		for _, path := range []string{file, logDir} {
			out := t.TempDir()
			outputs := map[string]string{
				"train": filepath.Join(out, "model"), "score": filepath.Join(out, "scores"),
				"report": filepath.Join(out, "report.html"), "import": filepath.Join(out, "log.parquet"),
				"features": filepath.Join(out, "features"),
			}
			commands := map[string][]string{
				"validate": {"validate", path},
				"train":    {"train", "--progress=false", "--data", path, "--out", outputs["train"]},
				"eval":     {"eval", "--progress=false", "--data", path},
				"score":    {"score", "--progress=false", "--model", model, "--in", path, "--out", outputs["score"]},
				"report":   {"report", "--model", model, "--data", path, "--out", outputs["report"]},
				"features": {"features", "--data", path, "--out", outputs["features"]},
			}
			how := "file"
			if path == logDir {
				how = "dir"
			} else {
				commands["import"] = []string{"import", "--format", "assistments2009", "--data", path, "--out", outputs["import"]}
			}
			for cmd, args := range commands {
				t.Run(name+"/"+how+"/"+cmd, func(t *testing.T) {
					code, stderr := runWithin(t, 60*time.Second, args...)
					assertOneLineError(t, code, stderr, name)
					if out, ok := outputs[cmd]; ok {
						assertNoOutputFile(t, out)
					}
				})
			}
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

// assertNoOutputFile fails when a refused run left a file at or under out.
// Empty directories are tolerated: score creates its part folders before it
// reads the log, so that a later run can resume into them.
func assertNoOutputFile(t *testing.T, out string) {
	t.Helper()
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("%s written by a refused run", path)
		}
		return nil
	})
	assertNoFile(t, filepath.Join(filepath.Dir(out), "none")) // no temp files beside out
}
