package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
)

func TestTrainWritesArtifact(t *testing.T) {
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "60", "--attempts", "20", "--out", filepath.Join(dir, "sim"))
	out := filepath.Join(dir, "model")
	stdout := mustZPD(t, "train", "--data", filepath.Join(dir, "sim", "attempts.parquet"), "--out", out,
		"--family", "irt1pl", "--json", "--progress=false")
	var md artifact.Metadata
	if err := json.Unmarshal([]byte(stdout), &md); err != nil {
		t.Fatalf("metadata %q: %v", stdout, err)
	}
	a, err := artifact.Load(out, catalog.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	if a.Metadata.ModelVersion != md.ModelVersion || md.Family != "irt1pl" || md.Counts.Attempts != 1200 {
		t.Errorf("printed metadata %+v does not describe the saved artifact %+v", md, a.Metadata)
	}
	if md.Config["family"] != "irt1pl" {
		t.Errorf("metadata config %v does not record the family flag", md.Config)
	}
}

// TestTrainWarnsWhenUnconverged: a fit cut short says so in plain words on
// stderr and in the summary; a converged one does not.
func TestTrainWarnsWhenUnconverged(t *testing.T) {
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "60", "--attempts", "20", "--out", filepath.Join(dir, "sim"))
	data := filepath.Join(dir, "sim", "attempts.parquet")
	short := filepath.Join(dir, "short.yaml")
	if err := os.WriteFile(short, []byte("train:\n  params:\n    elasticity:\n      max_iterations: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		warn bool
	}{
		{"cut short", []string{"--config", short}, true},
		{"default", nil, false},
	}
	for i, tt := range tests {
		args := append([]string{"train", "--data", data, "--out", filepath.Join(dir, "m"+strconv.Itoa(i)),
			"--evaluate=false", "--report=false", "--progress=false"}, tt.args...)
		code, stdout, stderr := zpd(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, code, stderr)
		}
		warned := strings.Contains(stderr, "warning: the fit did not converge") &&
			strings.Contains(stdout, "warning: the fit did not converge")
		if warned != tt.warn || (!tt.warn && strings.Contains(stderr+stdout, "warning")) {
			t.Errorf("%s: warned %v, want %v\nstdout: %s\nstderr: %s", tt.name, warned, tt.warn, stdout, stderr)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"--out", filepath.Join(dir, "m")}, "--data"},
		{"unknown family", []string{"--data", filepath.Join(dir, "x.parquet"), "--out", filepath.Join(dir, "m"), "--family", "gpt"}, "gpt"},
		{"missing data", []string{"--data", filepath.Join(dir, "x.parquet"), "--out", filepath.Join(dir, "m"), "--family", "irt1pl"}, "x.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := zpd(t, append([]string{"train", "--progress=false"}, tt.args...)...)
			assertOneLineError(t, code, errOut, tt.want)
			assertNoFile(t, filepath.Join(dir, "m"))
		})
	}
}

// The issue 16 reproduction: --out naming the directory that holds the log
// must not delete the log.
func TestTrainRefusesToReplaceUsersDirectory(t *testing.T) {
	dir := t.TempDir()
	mustZPD(t, "simulate", "--learners", "30", "--attempts", "10", "--out", filepath.Join(dir, "victim"))
	log := filepath.Join(dir, "victim", "attempts.parquet")
	before, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := zpd(t, "train", "--progress=false", "--family", "irt1pl", "--evaluate=false", "--report=false",
		"--data", log, "--out", filepath.Join(dir, "victim"))
	assertOneLineError(t, code, errOut, "victim", "not a zpd model artifact")
	if after, err := os.ReadFile(log); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the log was changed or deleted: %v", err)
	}
}
