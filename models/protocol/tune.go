package protocol

import (
	"context"
	"fmt"
	"math"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// FitFunc fits a model on train with hyperparameter value v.
type FitFunc func(ctx context.Context, train *datasets.Log, v float64) (models.Model, error)

// Selection is the outcome of SelectParam.
type Selection struct {
	Value float64 // the chosen hyperparameter value
	// Scores[i] is the validation log-loss of grid[i]; nil when the
	// fallback was used without scoring.
	Scores []float64
}

// SelectParam chooses a hyperparameter the protocol's way, from training
// learners alone: for each value in grid it fits on the learners of train
// outside ValidationFold and scores online log-loss of success alone on the
// ValidationFold learners; the lowest loss wins (ties go to the earlier
// value). When the grid has one value, or either side of the inner split is
// empty, it returns fallback unscored.
func SelectParam(ctx context.Context, train *datasets.Log, grid []float64, fallback float64, fit FitFunc) (Selection, error) {
	if len(grid) < 2 {
		return Selection{Value: fallback}, nil
	}
	inner, err := SubsetContext(ctx, train, func(id string) bool { return LearnerFold(id) != ValidationFold })
	if err != nil {
		return Selection{}, err
	}
	val, err := SubsetContext(ctx, train, func(id string) bool { return LearnerFold(id) == ValidationFold })
	if err != nil {
		return Selection{}, err
	}
	if inner.Len() == 0 || val.Len() == 0 {
		return Selection{Value: fallback}, nil
	}
	sel := Selection{Value: grid[0], Scores: make([]float64, len(grid))}
	best := math.Inf(1)
	for i, v := range grid {
		if err := ctx.Err(); err != nil {
			return Selection{}, err
		}
		m, err := fit(ctx, inner, v)
		if err != nil {
			return Selection{}, fmt.Errorf("tune at %g: %w", v, err)
		}
		if sel.Scores[i], err = onlineLogLoss(ctx, m, val); err != nil {
			return Selection{}, err
		}
		if sel.Scores[i] < best {
			best, sel.Value = sel.Scores[i], v
		}
	}
	return sel, nil
}

// ChooseParam returns the hyperparameter fixed when the caller fixed it
// (non-nil), and otherwise the value SelectParam picks from grid.
func ChooseParam(ctx context.Context, train *datasets.Log, fixed *float64, grid []float64, fallback float64, fit FitFunc) (float64, error) {
	if fixed != nil {
		return *fixed, nil
	}
	sel, err := SelectParam(ctx, train, grid, fallback, fit)
	return sel.Value, err
}
