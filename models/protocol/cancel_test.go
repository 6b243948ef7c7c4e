package protocol

import (
	"context"
	"errors"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// countModel counts predictions.
type countModel struct{ n *int }

func (countModel) Family() string                 { return "count" }
func (countModel) MarshalParams() ([]byte, error) { return nil, nil }
func (m countModel) NewLearner() models.Learner   { return m }
func (m countModel) Predict(*datasets.Attempt) models.Prediction {
	*m.n++
	return models.Prediction{Independent: .5, Supported: .5}
}
func (countModel) Observe(*datasets.Attempt) {}

func TestSelectParamStopsWhenCancelled(t *testing.T) {
	log := synthLog(100, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fits, predictions := 0, 0
	fit := func(_ context.Context, _ *datasets.Log, _ float64) (models.Model, error) {
		fits++
		cancel() // a signal arrives while the first grid value is fitted
		return countModel{&predictions}, nil
	}
	_, err := SelectParam(ctx, log, []float64{1, 2, 3}, 1, fit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SelectParam = %v, want context.Canceled", err)
	}
	if fits != 1 || predictions != 0 {
		t.Errorf("after the cancel: %d fits and %d validation predictions, want 1 and 0", fits, predictions)
	}
}
