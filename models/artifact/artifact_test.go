package artifact

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// constModel predicts a fixed probability; its parameters are that number.
type constModel struct{ p string }

func (m constModel) Family() string                 { return "const" }
func (m constModel) NewLearner() models.Learner     { return nil }
func (m constModel) MarshalParams() ([]byte, error) { return []byte(m.p), nil }

type constFamily struct{}

func (constFamily) Name() string { return "const" }
func (constFamily) Fit(context.Context, *datasets.Log, models.FitOptions) (models.Model, error) {
	return constModel{"0.5"}, nil
}
func (constFamily) Unmarshal(b []byte) (models.Model, error) {
	if len(b) == 0 {
		return nil, errors.New("empty params")
	}
	return constModel{string(b)}, nil
}

func lookup(name string) (models.Family, error) {
	if name != "const" {
		return nil, errors.New("unknown family " + name)
	}
	return constFamily{}, nil
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	meta := Metadata{DataFingerprint: "abc", Counts: Counts{Attempts: 10}, Metrics: map[string]float64{"auc": 0.7}}
	if err := Save(dir, constModel{"0.25"}, meta, "summary\n"); err != nil {
		t.Fatal(err)
	}
	a, err := Load(dir, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Model.(constModel).p; got != "0.25" {
		t.Errorf("params = %q, want 0.25", got)
	}
	md := a.Metadata
	if md.Family != "const" || md.FormatVersion != FormatVersion || md.Counts.Attempts != 10 || md.Metrics["auc"] != 0.7 {
		t.Errorf("metadata = %+v", md)
	}
	if !strings.HasPrefix(md.ModelVersion, "const-") || len(md.ModelVersion) != len("const-")+12 {
		t.Errorf("model version = %q", md.ModelVersion)
	}
}

func TestSaveReplacesAndLeavesNoTemp(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	for _, p := range []string{"0.1", "0.2"} {
		if err := Save(dir, constModel{p}, Metadata{}, ""); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Load(dir, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if a.Model.(constModel).p != "0.2" {
		t.Errorf("second save not visible: %q", a.Model.(constModel).p)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("parent holds %d entries, want only the artifact", len(entries))
	}
}

func TestLoadRejectsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"params changed", func(d string) { os.WriteFile(filepath.Join(d, ParamsFile), []byte("0.9"), 0o644) }, "checksum"},
		{"params missing", func(d string) { os.Remove(filepath.Join(d, ParamsFile)) }, ParamsFile},
		{"metadata garbage", func(d string) { os.WriteFile(filepath.Join(d, MetadataFile), []byte("{"), 0o644) }, MetadataFile},
		{"newer format", func(d string) {
			os.WriteFile(filepath.Join(d, MetadataFile), []byte(`{"format_version": 99}`), 0o644)
		}, "format version 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			if err := Save(dir, constModel{"0.3"}, Metadata{}, ""); err != nil {
				t.Fatal(err)
			}
			version, err := Resolve(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(version)
			_, err = Load(dir, lookup)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Load error = %v, want one naming %s and %q", err, dir, tt.want)
			}
		})
	}
}

func TestSaveFailureKeepsOldArtifact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, constModel{"0.4"}, Metadata{}, ""); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, failingModel{}, Metadata{}, ""); err == nil {
		t.Fatal("want error from a model that cannot marshal")
	}
	if a, err := Load(dir, lookup); err != nil || a.Model.(constModel).p != "0.4" {
		t.Fatalf("old artifact damaged: %v", err)
	}
}

type failingModel struct{ constModel }

func (failingModel) MarshalParams() ([]byte, error) { return nil, errors.New("boom") }

// Save replaces an artifact it wrote, and nothing else: a directory holding
// files zpd did not write, or a file, is refused and left as it was.
func TestSaveRefusesWhatIsNotAnArtifact(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // dir does not exist yet
		keep  string                         // a file that must survive, relative to dir's parent
		want  string                         // in the error; "" means Save succeeds
	}{
		{"new directory", func(*testing.T, string) {}, "", ""},
		{"empty directory", func(t *testing.T, d string) { mkdir(t, d) }, "", ""},
		{"user's data", func(t *testing.T, d string) {
			mkdir(t, d)
			write(t, filepath.Join(d, "log.parquet"), "PAR1 the user's log")
		}, "model/log.parquet", "not a zpd model artifact"},
		{"a file", func(t *testing.T, d string) { write(t, d, "the user's file") }, "model", "not a directory"},
		{"artifact plus a user's file", func(t *testing.T, d string) {
			if err := Save(d, constModel{"0.1"}, Metadata{}, ""); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(d, "notes.md"), "mine")
		}, "model/notes.md", "notes.md"},
		{"metadata.json that is not ours", func(t *testing.T, d string) {
			mkdir(t, d)
			write(t, filepath.Join(d, MetadataFile), `{"name": "my package"}`)
		}, "model/metadata.json", "not a zpd model artifact"},
		{"artifact with its report", func(t *testing.T, d string) {
			if err := Save(d, constModel{"0.1"}, Metadata{}, ""); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(d, ReportFile), "<html>")
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "model")
			tt.setup(t, dir)
			var before []byte
			if tt.keep != "" {
				before, _ = os.ReadFile(filepath.Join(parent, tt.keep))
			}
			err := Save(dir, constModel{"0.7"}, Metadata{}, "")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Save: %v", err)
				}
				if a, err := Load(dir, lookup); err != nil || a.Model.(constModel).p != "0.7" {
					t.Fatalf("saved artifact not loadable: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Save error = %v, want one naming %s and %q", err, dir, tt.want)
			}
			if after, rerr := os.ReadFile(filepath.Join(parent, tt.keep)); rerr != nil || !bytes.Equal(after, before) {
				t.Fatalf("%s changed or lost: %v", tt.keep, rerr)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Errorf("parent holds %d entries after a refused save, want 1", len(entries))
			}
		})
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// model_version is derived from the parameters' checksum: a caller cannot
// give a changed model an old version, and an artifact whose recorded
// version disagrees with its parameters is refused (issue 16 item 9).
func TestModelVersionIsTheParamsChecksum(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, constModel{"0.25"}, Metadata{ModelVersion: "v1-from-last-week"}, ""); err != nil {
		t.Fatal(err)
	}
	a, err := Load(dir, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if want := "const-" + a.Metadata.ParamsSHA256[:12]; a.Metadata.ModelVersion != want {
		t.Errorf("model version %q, want %q", a.Metadata.ModelVersion, want)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, MetadataFile))
	forged := strings.Replace(string(raw), a.Metadata.ModelVersion, "const-000000000000", 1)
	write(t, filepath.Join(dir, MetadataFile), forged)
	if _, err := Load(dir, lookup); err == nil || !strings.Contains(err.Error(), "model_version") {
		t.Errorf("Load of a forged model_version: %v", err)
	}
}
