package elasticity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/bestlr"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/irt"
	"github.com/zpd-project/zpd/models/itemmean"
	"github.com/zpd-project/zpd/models/pfa"
)

// TestAssistmentsProtocol runs the evaluation protocol on the ASSISTments
// 2009 excerpt with zpd's baselines and the elasticity model, and checks that
// elasticity beats every baseline and the reference's best numbers
// (Best-LR + hint use: AUC .7265, log-loss .5614; success with support among
// failed alone: AUC .7024), with ECE ≤ 0.02.
func TestAssistmentsProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("fits every baseline")
	}
	log, _, err := datasets.ImportLog(context.Background(), assistments.New2009(), shareddata.MustPath(t, shareddata.Assistments2009))
	if err != nil {
		t.Fatal(err)
	}
	families := []models.Family{itemmean.Family{}, irt.Family{}, pfa.Family{}, bestlr.Family{}, bestlr.Family{Support: true}, elasticity.Family{}}
	if raceEnabled {
		families = families[len(families)-1:]
	}
	lb, err := evaluate.Run(context.Background(), log, families, evaluate.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	lb.WriteTable(&sb)
	t.Log("\n" + sb.String())
	if lb.TestAttempts != 4469 {
		t.Errorf("test attempts = %d, want 4469 (protocol collapse and split)", lb.TestAttempts)
	}
	ours := lb.Models[len(lb.Models)-1]
	if ours.AUCInd <= 0.7265 || ours.LogLossInd >= 0.5614 || ours.ECEInd > 0.02 || ours.AUCSup <= 0.7024 {
		t.Errorf("elasticity below the reference baselines: %+v", ours)
	}
	for _, b := range lb.Models[:len(lb.Models)-1] {
		if ours.AUCInd <= b.AUCInd || ours.AUCSup <= b.AUCSup {
			t.Errorf("elasticity (AUC %.4f, support AUC %.4f) does not beat %s (%.4f, %.4f)",
				ours.AUCInd, ours.AUCSup, b.Name, b.AUCInd, b.AUCSup)
		}
	}
}
