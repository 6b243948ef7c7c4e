package protocol

import (
	"context"
	"math"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// constModel predicts the same probability for every attempt.
type constModel float64

func (constModel) Family() string                 { return "const" }
func (constModel) MarshalParams() ([]byte, error) { return nil, nil }
func (m constModel) NewLearner() models.Learner   { return m }
func (m constModel) Predict(*datasets.Attempt) models.Prediction {
	return models.Prediction{Independent: float64(m), Supported: float64(m)}
}
func (constModel) Observe(*datasets.Attempt) {}

func TestSelectParamPicksLowestValidationLoss(t *testing.T) {
	log := synthLog(100, 9)
	// The validation learners' success rate is the best constant prediction.
	var succ, n float64
	for i, u := range log.Learner {
		if LearnerFold(log.Learners.ID(u)) == ValidationFold {
			n++
			if log.Independent[i] {
				succ++
			}
		}
	}
	rate := succ / n
	grid := []float64{0.05, rate, 0.95, rate} // the repeat must not win the tie
	var fitted []string
	fit := func(_ context.Context, train *datasets.Log, v float64) (models.Model, error) {
		fitted = append(fitted, train.Learners.IDs()...)
		return constModel(v), nil
	}
	sel, err := SelectParam(context.Background(), log, grid, 0.5, fit)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Value != rate {
		t.Errorf("chose %g, want the validation success rate %g", sel.Value, rate)
	}
	wantLoss := -(rate*math.Log(rate) + (1-rate)*math.Log(1-rate))
	if math.Abs(sel.Scores[1]-wantLoss) > 1e-12 || sel.Scores[0] <= sel.Scores[1] || sel.Scores[3] != sel.Scores[1] {
		t.Errorf("scores %v, want %g at the rate", sel.Scores, wantLoss)
	}
	for _, id := range fitted {
		if f := LearnerFold(id); f == ValidationFold {
			t.Fatalf("tuning fitted on validation learner %s", id)
		}
	}
	if len(fitted) == 0 {
		t.Fatal("fit never called")
	}
}

func TestChooseParam(t *testing.T) {
	log := synthLog(40, 10)
	calls := 0
	fit := func(context.Context, *datasets.Log, float64) (models.Model, error) {
		calls++
		return constModel(0.5), nil
	}
	ctx := context.Background()
	fixed := 2.0
	v, err := ChooseParam(ctx, log, &fixed, []float64{1, 3}, 1, fit)
	if err != nil || v != 2 || calls != 0 {
		t.Errorf("fixed param: got %g, %v after %d fits; want 2 without fitting", v, err, calls)
	}
	v, err = ChooseParam(ctx, log, nil, []float64{7}, 7, fit)
	if err != nil || v != 7 || calls != 0 {
		t.Errorf("one-value grid: got %g, %v after %d fits", v, err, calls)
	}
	// A log without validation learners falls back without fitting.
	noVal := Subset(log, func(id string) bool { return LearnerFold(id) != ValidationFold })
	v, err = ChooseParam(ctx, noVal, nil, []float64{1, 3}, 3, fit)
	if err != nil || v != 3 || calls != 0 {
		t.Errorf("no validation learners: got %g, %v after %d fits; want fallback 3", v, err, calls)
	}
}
