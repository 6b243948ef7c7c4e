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
