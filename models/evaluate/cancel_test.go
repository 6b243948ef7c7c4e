package evaluate

import (
	"context"
	"errors"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// cancelling is a family whose Fit ignores its context and cancels it, as a
// signal arriving mid-fit would: Run must stop at its next check rather
// than replay learners or fit the next family.
type cancelling struct {
	*spy
	cancel context.CancelFunc
}

func (c cancelling) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	m, err := c.spy.Fit(ctx, train, opts)
	c.cancel()
	return m, err
}

// predictCancel cancels its context on the first prediction.
type predictCancel struct {
	*spy
	cancel context.CancelFunc
}

func (p predictCancel) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	return predictCancelModel{spyModel{p.spy}, p.cancel}, nil
}

type predictCancelModel struct {
	spyModel
	cancel context.CancelFunc
}

func (m predictCancelModel) NewLearner() models.Learner {
	return predictCancelLearner{m.spyModel.NewLearner(), m.cancel}
}

type predictCancelLearner struct {
	models.Learner
	cancel context.CancelFunc
}

func (l predictCancelLearner) Predict(a *datasets.Attempt) models.Prediction {
	l.cancel()
	return l.Learner.Predict(a)
}

func TestRunStopsWhenCancelled(t *testing.T) {
	log := synthLog(60, 3)
	tests := []struct {
		name  string
		first func(*spy, context.CancelFunc) models.Family
		// predictedLearners is how many test learners the first family may
		// replay before Run notices.
		predictedLearners int
	}{
		{"before any fit", nil, 0},
		{"during a fit", func(s *spy, c context.CancelFunc) models.Family { return cancelling{s, c} }, 0},
		{"during the replay", func(s *spy, c context.CancelFunc) models.Family { return predictCancel{s, c} }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			first, second := newSpy("first"), newSpy("second")
			var fams []models.Family
			if tt.first == nil {
				cancel()
				fams = []models.Family{first, second}
			} else {
				fams = []models.Family{tt.first(first, cancel), second}
			}
			lb, err := Run(ctx, log, fams, Options{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, %v; want context.Canceled", lb, err)
			}
			if got := len(first.predicted); got != tt.predictedLearners {
				t.Errorf("replayed %d test learners after the cancel, want %d", got, tt.predictedLearners)
			}
			if len(second.fitLearners) > 0 {
				t.Error("fitted the next family after the cancel")
			}
			if tt.first == nil && len(first.fitLearners) > 0 {
				t.Error("fitted a family with a cancelled context")
			}
		})
	}
}
