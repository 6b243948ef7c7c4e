package elasticity

import (
	"context"
	"os"
	"testing"

	"github.com/zpd-project/zpd/models"
)

// TestAssistmentsProtocol fits on the train learners of the ASSISTments 2009
// excerpt and checks the online accuracy against the reference baselines of
// docs/evaluation-protocol.md (best: Best-LR + hint use, AUC .7265,
// log-loss .5614; success with support among failed alone, AUC .7024).
func TestAssistmentsProtocol(t *testing.T) {
	if _, err := os.Stat(assistmentsExcerpt); err != nil {
		t.Skip("ASSISTments excerpt not available:", err)
	}
	all, err := loadAssistments(assistmentsExcerpt)
	if err != nil {
		t.Fatal(err)
	}
	train, tests := splitFolds(all, func(f int) bool { return f != 0 }, 0)
	m, err := Family{}.Fit(context.Background(), train, models.FitOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := evaluateOnline(m, tests)
	t.Log(got)
	p := m.(*Model).Params()
	t.Logf("mean %v cov %v rates %v itemSD %.3f supportSD %.3f", p.Mean, p.Cov, p.Rates, p.ItemSD, p.SupportSD)
	if got.N != 4469 {
		t.Errorf("test attempts = %d, want 4469 (protocol collapse/split)", got.N)
	}
	if got.AUCInd <= 0.7265 || got.LogLossInd >= 0.5614 || got.ECEInd > 0.02 || got.AUCSup0 <= 0.7024 {
		t.Errorf("accuracy below the baselines: %v", got)
	}
}
