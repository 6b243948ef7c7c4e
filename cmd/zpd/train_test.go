package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
