package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/zpd-project/zpd/internal/shareddata"
)

type leaderboardJSON struct {
	Models []struct {
		Name       string   `json:"name"`
		AUCInd     *float64 `json:"auc_ind"`
		LogLossInd *float64 `json:"logloss_ind"`
		ECEInd     *float64 `json:"ece_ind"`
		AUCSup     *float64 `json:"auc_sup"`
	} `json:"models"`
	TestAttempts int `json:"test_attempts"`
}

// The JSON leaderboard has the documented shape, and on the ASSISTments 2009
// excerpt the baselines land near the independent reference implementation
// (../shared/reference/README.md), which never shared code with zpd.
func TestEvalJSONMatchesReference(t *testing.T) {
	data := filepath.Join(t.TempDir(), "as.parquet")
	mustZPD(t, "import", "--format", "assistments2009", "--in", shareddata.MustPath(t, shareddata.Assistments2009), "--out", data)
	stdout := mustZPD(t, "eval", "--data", data, "--model", "irt1pl", "--model", "itemmean", "--json", "--progress=false")
	var lb leaderboardJSON
	if err := json.Unmarshal([]byte(stdout), &lb); err != nil {
		t.Fatalf("leaderboard %q: %v", stdout, err)
	}
	reference := map[string][4]float64{ // AUC ind, log-loss, ECE, AUC sup
		"irt1pl":   {.7041, .5772, .0207, .6705},
		"itemmean": {.6068, .6231, .0136, .5853},
	}
	if lb.TestAttempts != 4469 || len(lb.Models) != 2 {
		t.Fatalf("%d test attempts, %d models; want 4469 and 2", lb.TestAttempts, len(lb.Models))
	}
	for _, m := range lb.Models {
		ref := reference[m.Name]
		got := []*float64{m.AUCInd, m.LogLossInd, m.ECEInd, m.AUCSup}
		for k, g := range got {
			if g == nil || math.Abs(*g-ref[k]) > 0.003 {
				t.Errorf("%s metric %d = %v, reference %.4f", m.Name, k, g, ref[k])
			}
		}
	}
}

func TestEvalUnknownModel(t *testing.T) {
	code, _, errOut := zpd(t, "eval", "--data", "x.parquet", "--model", "magic")
	assertOneLineError(t, code, errOut, "magic")
}

// TestEvalDifferences: with the elasticity model and a baseline, --json
// carries the paired differences, documented fields, whose point values are
// the differences of the leaderboard's own metrics.
func TestEvalDifferences(t *testing.T) {
	data := filepath.Join(t.TempDir(), "as.parquet")
	mustZPD(t, "import", "--format", "assistments2009", "--in", shareddata.MustPath(t, shareddata.Assistments2009), "--out", data)
	stdout := mustZPD(t, "eval", "--data", data, "--model", "elasticity", "--model", "itemmean", "--json",
		"--resamples", "40", "--progress=false")
	var out struct {
		leaderboardJSON
		Differences []struct {
			Metric, Model, Baseline string
			Value, Low, High        *float64
			Resamples               int
			Better                  *bool
		} `json:"differences"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("eval --json %q: %v", stdout, err)
	}
	metric := map[string]map[string]float64{}
	for _, m := range out.Models {
		metric[m.Name] = map[string]float64{"auc_ind": *m.AUCInd, "logloss_ind": *m.LogLossInd, "ece_ind": *m.ECEInd, "auc_sup": *m.AUCSup}
	}
	if len(out.Differences) != 4 {
		t.Fatalf("%d differences, want 4: %s", len(out.Differences), stdout)
	}
	for _, d := range out.Differences {
		if d.Model != "elasticity" || d.Baseline != "itemmean" || d.Value == nil || d.Low == nil || d.High == nil || d.Resamples != 40 {
			t.Fatalf("difference %+v", d)
		}
		want := metric["elasticity"][d.Metric] - metric["itemmean"][d.Metric]
		if math.Abs(*d.Value-want) > 1e-9 || !(*d.Low <= *d.Value && *d.Value <= *d.High) {
			t.Errorf("%s: %v [%v, %v], leaderboard difference %v", d.Metric, *d.Value, *d.Low, *d.High, want)
		}
	}
}
