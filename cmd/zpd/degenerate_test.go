package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/zpd-project/zpd/models/catalog"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/serve"
)

// degenerateLogs are the logs a first user's experiments produce that a
// model fit on a real cohort never sees. Each returns its attempts.
var degenerateLogs = []struct {
	name     string
	attempts func() []datasets.Attempt
}{
	{"one attempt per learner", func() []datasets.Attempt {
		return grid(200, 1, 40, func(l, k int) (bool, bool) { return l%3 == 0, l%2 == 0 })
	}},
	{"one learner", func() []datasets.Attempt {
		return grid(1, 60, 20, func(l, k int) (bool, bool) { return k%3 == 0, k%2 == 0 })
	}},
	{"one item", func() []datasets.Attempt {
		return grid(50, 4, 1, func(l, k int) (bool, bool) { return (l+k)%3 == 0, (l+k)%2 == 0 })
	}},
	{"no skills", func() []datasets.Attempt {
		as := grid(40, 10, 15, func(l, k int) (bool, bool) { return (l*k)%3 == 0, (l+k)%2 == 0 })
		for i := range as {
			as[i].Skills = nil
		}
		return as
	}},
	{"all correct", func() []datasets.Attempt {
		return grid(40, 10, 15, func(l, k int) (bool, bool) { return true, true })
	}},
	{"all wrong", func() []datasets.Attempt {
		return grid(40, 10, 15, func(l, k int) (bool, bool) { return false, false })
	}},
}

// grid returns learners × perLearner attempts cycling over items, with
// outcomes from outcome(learner, k); supported success implies nothing
// about independent success, except that independent implies supported.
func grid(learners, perLearner, items int, outcome func(l, k int) (ind, sup bool)) []datasets.Attempt {
	var as []datasets.Attempt
	for l := range learners {
		for k := range perLearner {
			a := datasets.NewAttempt()
			a.Learner = fmt.Sprintf("learner-%03d", l)
			item := (l*7 + k) % items
			a.Item = fmt.Sprintf("item-%03d", item)
			a.Skills = []string{fmt.Sprintf("skill-%d", item%3)}
			a.Seq = int64(k + 1)
			a.Independent, a.Supported = outcome(l, k)
			a.Supported = a.Supported || a.Independent
			if !a.Independent {
				a.HintsUsed = 1
			}
			as = append(as, a)
		}
	}
	return as
}

func writeAttempts(t *testing.T, path string, as []datasets.Attempt) string {
	t.Helper()
	w, err := datasets.Create(path, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range as {
		if err := w.Write(&as[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// shortStack is the panicking goroutine's stack without the test harness
// frames, to keep a failure readable.
func shortStack() string {
	lines := strings.Split(string(debug.Stack()), "\n")
	var keep []string
	for _, l := range lines {
		if strings.Contains(l, "zpd-project/zpd/") && !strings.Contains(l, "cmd/zpd") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep[:min(len(keep), 8)], "\n")
}

// zpdNoPanic runs zpd in-process and fails the test, with the stack, if the
// command panics. It accepts success or a one-line "zpd: " error, and never
// a stack trace on either stream.
func zpdNoPanic(t *testing.T, args ...string) (code int, stdout string) {
	t.Helper()
	var out, errOut bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("zpd %s panicked: %v\n%s", strings.Join(args, " "), r, shortStack())
			}
		}()
		code = run(context.Background(), args, &out, &errOut)
	}()
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") {
			t.Fatalf("zpd %s printed a stack trace:\n%s", strings.Join(args, " "), s)
		}
	}
	if code != 0 {
		e := errOut.String()
		if !strings.HasPrefix(e, "zpd: ") || strings.Count(e, "\n") != 1 {
			t.Fatalf("zpd %s: exit %d with stderr %q: want one line starting with zpd:", strings.Join(args, " "), code, e)
		}
		t.Logf("zpd %s: %s", strings.Join(args[:1], " "), strings.TrimSpace(e))
	}
	return code, out.String()
}

// TestDegenerateInputs runs every subcommand that reads a log or a model on
// degenerate logs, and on a model fitted on another log, and requires each
// to succeed or fail with one clear line: never a panic.
func TestDegenerateInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("fits every family on six logs")
	}
	base := t.TempDir()
	mustZPD(t, "simulate", "--learners", "60", "--attempts", "15", "--items", "30", "--out", filepath.Join(base, "sim"))
	simLog := filepath.Join(base, "sim", "attempts.parquet")
	simModel := filepath.Join(base, "simmodel")
	mustZPD(t, "train", "--data", simLog, "--out", simModel, "--report=false", "--evaluate=false", "--progress=false")

	// Every family but dkt, whose training dominates the time under -race;
	// models/dkt tests it on degenerate logs itself.
	var evalFams, reportFams []string
	for _, f := range catalog.Names() {
		if f != "dkt" {
			evalFams = append(evalFams, "--model", f)
			reportFams = append(reportFams, "--family", f)
		}
	}
	for _, tc := range degenerateLogs {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := writeAttempts(t, filepath.Join(dir, "log.parquet"), tc.attempts())
			model := filepath.Join(dir, "model")
			zpdNoPanic(t, "validate", log)
			zpdNoPanic(t, append([]string{"eval", "--data", log, "--progress=false"}, evalFams...)...)
			code, _ := zpdNoPanic(t, "train", "--data", log, "--out", model, "--progress=false")
			if code != 0 { // the error's advice: train without held-out metrics
				code, _ = zpdNoPanic(t, "train", "--data", log, "--out", model, "--progress=false", "--evaluate=false")
			}
			zpdNoPanic(t, append([]string{"report", "--model", simModel, "--data", log, "--out", filepath.Join(dir, "other.html"),
				"--resamples", "20", "--progress=false"}, reportFams...)...)
			zpdNoPanic(t, "score", "--model", simModel, "--in", log, "--out", filepath.Join(dir, "other-scores"), "--progress=false")
			if code != 0 {
				return
			}
			zpdNoPanic(t, append([]string{"report", "--model", model, "--data", simLog, "--out", filepath.Join(dir, "sim.html"),
				"--resamples", "20", "--progress=false"}, reportFams...)...)
			zpdNoPanic(t, "score", "--model", model, "--in", log, "--out", filepath.Join(dir, "scores"), "--progress=false")
			probeServe(t, model)
			for _, fam := range []string{"itemmean", "irt1pl", "pfa", "bestlr", "bestlr+support", "bestlr+stage2"} {
				zpdNoPanic(t, "train", "--data", log, "--out", filepath.Join(dir, "m-"+fam), "--family", fam,
					"--report=false", "--progress=false")
			}
		})
	}
}

// probeServe loads model in the HTTP server and posts degenerate requests:
// none may answer 500 (the recovery middleware's answer to a panic).
func probeServe(t *testing.T, model string) {
	t.Helper()
	cfg := serve.DefaultConfig()
	cfg.Model, cfg.Insecure, cfg.AccessLog = model, true, false
	srv, err := serve.New(cfg, serve.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Logf("serve refused the model: %v", err)
		return
	}
	for _, body := range []string{
		`{"learner_id":"x","attempts":[]}`,
		`{"learner_id":"x","attempts":[{"item_id":"item-000","seq":1,"correct_independent":true,"correct_supported":true}]}`,
		`{"learner_id":"x","attempts":[{"item_id":"never-seen","seq":1,"correct_independent":false,"correct_supported":false}],"candidates":[{"item_id":"item-000"},{"item_id":"new","difficulty":2}]}`,
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v1/score", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("POST /v1/score %s: %d %s", body, rec.Code, rec.Body.String())
		}
	}
}

// TestDegenerateSimulations runs simulate at its smallest settings and
// trains on the result.
func TestDegenerateSimulations(t *testing.T) {
	for _, args := range [][]string{
		{"--learners", "200", "--attempts", "1"},
		{"--learners", "1", "--attempts", "30"},
		{"--learners", "30", "--items", "1", "--attempts", "5"},
		{"--learners", "0"},
		{"--learners", "20", "--skills", "0"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			code, _ := zpdNoPanic(t, append([]string{"simulate", "--out", filepath.Join(dir, "sim")}, args...)...)
			if code != 0 {
				return
			}
			zpdNoPanic(t, "train", "--data", filepath.Join(dir, "sim", "attempts.parquet"), "--out", filepath.Join(dir, "m"),
				"--progress=false")
		})
	}
}

// TestDegenerateImports imports sources with no usable row.
func TestDegenerateImports(t *testing.T) {
	dir := t.TempDir()
	for _, format := range importFormats() {
		for name, content := range map[string]string{"empty": "", "header only": "a,b,c\n", "binary": "\x00\x01\x02PAR1"} {
			t.Run(format+" "+name, func(t *testing.T) {
				in := writeFile(t, filepath.Join(dir, format+name+".csv"), content)
				zpdNoPanic(t, "import", "--format", format, "--in", in, "--out", filepath.Join(dir, format+name+".parquet"))
			})
		}
	}
}
