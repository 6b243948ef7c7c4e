package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
)

// simulatedLog writes a small simulated log and returns its path.
func simulatedLog(t *testing.T) string {
	t.Helper()
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.Items, cfg.Skills = 120, 60, 6
	cfg.MinAttempts, cfg.MaxAttempts = 30, 30
	dir := filepath.Join(t.TempDir(), "sim")
	if _, err := simulate.WriteDir(context.Background(), cfg, dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, simulate.AttemptsFile)
}

func TestRunSavesLoadableArtifact(t *testing.T) {
	data := simulatedLog(t)
	for _, family := range []string{"irt1pl", "bestlr"} {
		t.Run(family, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "model")
			cfg := DefaultConfig()
			cfg.Family = family
			var stages []string
			res, err := Run(context.Background(), cfg, data, out, Options{
				BuildVersion: "test",
				Progress: func(stage string, done float64) {
					if len(stages) == 0 || stages[len(stages)-1] != stage {
						stages = append(stages, stage)
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			a, err := artifact.Load(out, catalog.Lookup)
			if err != nil {
				t.Fatal(err)
			}
			md := a.Metadata
			if md.Family != family || md.BuildVersion != "test" || md.SchemaVersion != datasets.SchemaVersion {
				t.Errorf("metadata %+v", md)
			}
			if md.Counts.Attempts != 120*30 || md.Counts.Learners != 120 {
				t.Errorf("counts %+v, want 3600 attempts by 120 learners", md.Counts)
			}
			fp, _ := datasets.Fingerprint(data)
			if md.DataFingerprint != fp {
				t.Errorf("fingerprint %q, want %q", md.DataFingerprint, fp)
			}
			if auc := md.Metrics["auc_ind"]; auc <= 0.55 || auc > 1 {
				t.Errorf("held-out AUC %v: the model should beat chance on simulated data", auc)
			}
			if res.Leaderboard == nil || res.Leaderboard.Models[0].Name != family {
				t.Errorf("leaderboard %+v", res.Leaderboard)
			}
			if res.Saved == nil || res.Log == nil || res.Log.Len() != 120*30 {
				t.Errorf("result without the saved artifact or the log the report needs")
			}
			summary, _ := os.ReadFile(filepath.Join(out, artifact.SummaryFile))
			if !strings.Contains(string(summary), family) || !strings.Contains(string(summary), "AUC") {
				t.Errorf("summary.txt:\n%s", summary)
			}
			if len(stages) == 0 || stages[len(stages)-1] != "fit" {
				t.Errorf("progress stages %v, want evaluate then fit", stages)
			}
			// The loaded model predicts like the fitted one would: a probability.
			p := a.Model.NewLearner().Predict(&datasets.Attempt{Learner: "new", Item: "0"})
			if p.Independent <= 0 || p.Independent >= 1 {
				t.Errorf("prediction %v", p)
			}
		})
	}
}

func TestRunFailuresWriteNothing(t *testing.T) {
	data := simulatedLog(t)
	corrupt := filepath.Join(t.TempDir(), "corrupt.parquet")
	os.WriteFile(corrupt, []byte("PAR1 not really"), 0o644)
	tests := []struct {
		name, family, data, want string
	}{
		{"unknown family", "nope", data, "nope"},
		{"missing data", "irt1pl", filepath.Join(t.TempDir(), "none.parquet"), "none.parquet"},
		{"corrupt data", "irt1pl", corrupt, "corrupt.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "model")
			cfg := DefaultConfig()
			cfg.Family = tt.family
			_, err := Run(context.Background(), cfg, tt.data, out, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("failed run left %d entries in the output's parent", len(entries))
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	data := simulatedLog(t)
	cfg := DefaultConfig()
	cfg.Family, cfg.Evaluate = "pfa", false
	var versions []string
	for range 2 {
		res, err := Run(context.Background(), cfg, data, filepath.Join(t.TempDir(), "m"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, res.Metadata.ParamsSHA256)
	}
	if versions[0] != versions[1] {
		t.Errorf("same seed, different parameters: %v", versions)
	}
}
