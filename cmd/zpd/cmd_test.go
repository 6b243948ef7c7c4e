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

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out := mustZPD(t, args...)
		if !strings.HasPrefix(out, "zpd ") || !strings.Contains(out, "go1.") || strings.Count(out, "\n") != 1 {
			t.Errorf("zpd %s printed %q, want one line with the version and Go", args[0], out)
		}
	}
}

// TestFirstSteps covers what a new user types first: a CSV where a log is
// expected, import without --format, a positional log, --in for --data.
func TestFirstSteps(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, filepath.Join(dir, "log.csv"), "user_id,problem_id\n1,2\n")
	for _, args := range [][]string{
		{"validate", csv},
		{"train", csv, "--out", filepath.Join(dir, "m"), "--progress=false"},
		{"eval", "--data", csv, "--progress=false"},
	} {
		code, _, errOut := zpd(t, args...)
		assertOneLineError(t, code, errOut, "log.csv", "import it first", "zpd import --format", "assistments2009")
	}
	code, _, errOut := zpd(t, "import", "--data", csv, "--out", filepath.Join(dir, "x.parquet"))
	assertOneLineError(t, code, errOut, "--format is required", "assistments2009, assistments2017, datashop")

	sim := filepath.Join(dir, "sim")
	mustZPD(t, "simulate", "--learners", "40", "--attempts", "10", "--out", sim)
	code, _, errOut = zpd(t, "eval", sim, "--data", sim)
	assertOneLineError(t, code, errOut, "not both")
	out := mustZPD(t, "train", sim, "--out", filepath.Join(dir, "m")+"/", "--family", "irt1pl", "--compare", "--progress=false")
	if !strings.Contains(out, "model:  "+filepath.Join(dir, "m")+" (") || !strings.Contains(out, "report: "+filepath.Join(dir, "m", "report.html")) {
		t.Errorf("train output does not say where the model and report went:\n%s", out)
	}
	html, err := os.ReadFile(filepath.Join(dir, "m", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range []string{"itemmean", "pfa", "bestlr&#43;support", "elasticity"} {
		if !strings.Contains(string(html), fam) {
			t.Errorf("--compare report does not mention %s", fam)
		}
	}
	mustZPD(t, "validate", "--in", filepath.Join(sim, "attempts.parquet"))
	code, _, errOut = zpd(t, "score", "--model", filepath.Join(dir, "m"), "--in", csv, "--out", filepath.Join(dir, "s"), "--progress=false")
	assertOneLineError(t, code, errOut, "elasticity") // an irt1pl artifact cannot score
}

// TestHelpExamplesParse: every example in every command's help names flags
// the command has and gives it arguments it accepts, so help cannot drift
// from the flags. (Running them is .ci/docs's job for the documents.)
func TestHelpExamplesParse(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range append(root.Commands(), root) {
		for _, line := range strings.Split(c.Example, "\n") {
			line, _, _ = strings.Cut(line, "#")
			words := strings.Fields(line)
			for len(words) > 0 && strings.Contains(words[0], "=") { // VAR=value prefixes
				words = words[1:]
			}
			if len(words) < 2 || words[0] != "zpd" {
				continue
			}
			fresh := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
			cmd, args, err := fresh.Find(words[1:])
			if err != nil {
				t.Errorf("%q: %v", line, err)
				continue
			}
			if err := cmd.ParseFlags(args); err != nil {
				t.Errorf("%q: %v", line, err)
				continue
			}
			if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
				t.Errorf("%q: %v", line, err)
			}
		}
	}
}
