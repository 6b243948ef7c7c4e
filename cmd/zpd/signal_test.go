package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary as zpd itself (ZPD_TEST_RUN_MAIN=1),
// so that signal handling, which lives in main, is tested end to end.
func TestMain(m *testing.M) {
	if os.Getenv("ZPD_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// zpdProcess starts zpd args as a child process.
func zpdProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ZPD_TEST_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// A long command stops within a second of SIGINT or SIGTERM whatever
// stage it is in, exits non-zero, and publishes no output (issue 16).
func TestLongCommandsStopOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1.5M-attempt log")
	}
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "15000", "--attempts", "100", "--items", "400", "--out", filepath.Join(dir, "sim"))
	log := filepath.Join(dir, "sim", "attempts.parquet")
	_, model := scoreFixture(t)
	commands := map[string][]string{
		"simulate": {"simulate", "--learners", "200000", "--attempts", "100", "--out", filepath.Join(dir, "sim2")},
		"validate": {"validate", log},
		"train":    {"train", "--progress=false", "--data", log, "--out", filepath.Join(dir, "model")},
		"eval":     {"eval", "--data", log},
		"features": {"features", "--data", log, "--out", filepath.Join(dir, "features")},
		"score":    {"score", "--progress=false", "--memory-budget", "170MB", "--model", model, "--in", log, "--out", filepath.Join(dir, "scores")},
	}
	for name, args := range commands {
		for _, at := range []struct {
			sig   syscall.Signal
			after time.Duration
		}{{syscall.SIGINT, 300 * time.Millisecond}, {syscall.SIGTERM, 1500 * time.Millisecond}} {
			sig, after := at.sig, at.after
			t.Run(name+"/"+sig.String()+"/"+after.String(), func(t *testing.T) {
				cmd, stderr := zpdProcess(t, args...)
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				select {
				case err := <-exited:
					t.Skipf("finished in under %s (%v): nothing to interrupt", after, err)
				case <-time.After(after):
				}
				cmd.Process.Signal(sig)
				sent := time.Now()
				select {
				case err := <-exited:
					// Exit 0 means the work finished as the signal came.
					if took := time.Since(sent); took > time.Second {
						t.Errorf("took %s to stop after %s", took, sig)
					}
					// A child killed by the signal itself had not reached
					// main yet (the test binary's start-up is slow on a
					// loaded machine): it had done nothing to report.
					if ee, ok := err.(*exec.ExitError); ok && stderr.Len() == 0 {
						if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == sig {
							t.Skipf("the child had not started when %s came", sig)
						}
					}
					if err != nil && !strings.Contains(stderr.String(), "zpd: ") {
						t.Errorf("stopped (%v) without saying why: stderr %q", err, stderr.String())
					}
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
					t.Fatalf("still running 5s after %s", sig)
				}
			})
		}
	}
}

// simulate and eval watch their context themselves: cancelled at any stage
// they return its error promptly, without relying on main's forced exit,
// and leave no output (issue 16).
func TestCommandsStopCleanlyOnCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 300k-attempt log")
	}
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "3000", "--attempts", "100", "--items", "300", "--out", filepath.Join(dir, "sim"))
	log := filepath.Join(dir, "sim")
	out := filepath.Join(dir, "sim2")
	commands := map[string][]string{
		"simulate": {"simulate", "--learners", "200000", "--attempts", "100", "--out", out},
		"eval":     {"eval", "--progress=false", "--data", log, "--model", "itemmean", "--model", "irt1pl", "--model", "elasticity"},
	}
	for name, args := range commands {
		for _, after := range []time.Duration{100 * time.Millisecond, 1500 * time.Millisecond} {
			t.Run(name+"/"+after.String(), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				type result struct {
					code   int
					stderr string
				}
				done := make(chan result, 1)
				go func() {
					var stdout, stderr bytes.Buffer
					code := run(ctx, args, &stdout, &stderr)
					done <- result{code, stderr.String()}
				}()
				select {
				case r := <-done:
					t.Skipf("finished in under %s (exit %d): nothing to cancel", after, r.code)
				case <-time.After(after):
				}
				cancel()
				cancelled := time.Now()
				select {
				case r := <-done:
					took := time.Since(cancelled)
					t.Logf("stopped %s after the cancel", took)
					if took > stopBound {
						t.Errorf("took %s to stop after the cancel, want at most %s", took, stopBound)
					}
					assertOneLineError(t, r.code, r.stderr, "context canceled")
				case <-time.After(30 * time.Second):
					t.Fatal("still running 30s after the cancel")
				}
				assertNoFile(t, out)
			})
		}
	}
}
