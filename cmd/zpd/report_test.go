package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportWritesHTMLAndPNGs(t *testing.T) {
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "80", "--attempts", "20", "--groups", "2", "--out", filepath.Join(dir, "sim"))
	data := filepath.Join(dir, "sim", "attempts.parquet")
	model := filepath.Join(dir, "model")
	mustZPD(t, "train", "--data", data, "--out", model, "--family", "irt1pl", "--evaluate=false", "--progress=false")
	out := filepath.Join(dir, "report.html")
	pngs := filepath.Join(dir, "figures")
	stdout := mustZPD(t, "report", "--model", model, "--data", data, "--out", out, "--png", pngs,
		"--family", "itemmean", "--family", "irt1pl", "--resamples", "20", "--group", "school", "--progress=false")
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("stdout %q does not name the report", stdout)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<td>itemmean</td>", "<td>irt1pl</td>", "By group_school", "this artifact&#39;s family does not have them"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	files, err := filepath.Glob(filepath.Join(pngs, "*.png"))
	if err != nil || len(files) != strings.Count(string(html), "<img ") {
		t.Errorf("%d PNG files for %d images (err %v)", len(files), strings.Count(string(html), "<img "), err)
	}

	// Without --data: model-only sections.
	only := filepath.Join(dir, "model-only.html")
	mustZPD(t, "report", "--model", model, "--out", only, "--progress=false")
	if html, err := os.ReadFile(only); err != nil || !strings.Contains(string(html), "No attempt log given") {
		t.Errorf("model-only report: err %v, says nothing about the missing data", err)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	cfg := writeFile(t, filepath.Join(dir, "bad.yaml"), "report:\n  resampels: 10\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"--out", out}, "--model"},
		{"no out", []string{"--model", dir}, "--out"},
		{"missing model", []string{"--model", filepath.Join(dir, "nope"), "--out", out}, "nope"},
		{"misspelt config key", []string{"--config", cfg, "--model", dir, "--out", out}, "resampels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := zpd(t, append([]string{"report", "--progress=false"}, tt.args...)...)
			assertOneLineError(t, code, errOut, tt.want)
			assertNoFile(t, out)
		})
	}
}
