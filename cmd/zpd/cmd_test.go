package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zpd runs the command line in-process and returns its exit code, stdout
// and stderr.
func zpd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// mustZPD runs zpd and fails the test unless it exits 0.
func mustZPD(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := zpd(t, args...)
	if code != 0 {
		t.Fatalf("zpd %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// assertOneLineError checks a failed run printed exactly one "zpd: " line
// mentioning each of want.
func assertOneLineError(t *testing.T, code int, stderr string, want ...string) {
	t.Helper()
	if code == 0 {
		t.Fatal("exit 0, want failure")
	}
	if !strings.HasPrefix(stderr, "zpd: ") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("stderr %q: want one line starting with zpd:", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not mention %q", stderr, w)
		}
	}
}

func assertNoFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed run (err %v)", path, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Short == "" || c.Example == "" {
			t.Errorf("zpd %s: help needs a summary and an example", c.Name())
		}
	}
	out := mustZPD(t, "--help")
	for _, c := range root.Commands() {
		if c.Name() != "completion" && !strings.Contains(out, c.Name()) {
			t.Errorf("zpd --help does not list %s", c.Name())
		}
	}
}

func TestUnknownCommandIsOneLine(t *testing.T) {
	code, _, errOut := zpd(t, "frobnicate")
	assertOneLineError(t, code, errOut, "frobnicate")
}
