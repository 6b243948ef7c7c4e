// Package models defines the interface every zpd model family implements:
// fitting on training learners, predicting a learner's next attempt from their
// earlier attempts only, and saving to the one artifact format.
//
// Families live in subpackages (elasticity, irt, pfa, bestlr); package catalog
// maps family names to implementations.
package models

import (
	"context"

	"github.com/zpd-project/zpd/datasets"
)

// Prediction is a forecast for one attempt, made before its outcome is seen.
type Prediction struct {
	// Independent is P(success alone): right first time with no help.
	Independent float64
	// Supported is P(success with support | failed alone).
	Supported float64
}

// Learner is a fitted model's running state for one learner. It sees that
// learner's attempts one at a time, in order: Predict may read only the
// attempt's item, skills and time (never its outcome or support), and Observe
// then adds the attempt to the learner's history.
type Learner interface {
	Predict(a *datasets.Attempt) Prediction
	Observe(a *datasets.Attempt)
}

// Model is a fitted model with frozen population parameters (item, skill and
// population terms). Models are safe for concurrent use; Learners are not.
type Model interface {
	// Family is the name of the model family, such as "elasticity".
	Family() string
	// NewLearner starts a learner with no history (the prior alone).
	NewLearner() Learner
	// MarshalParams encodes the fitted parameters in the family's documented,
	// versioned format; the family's Unmarshal decodes them.
	MarshalParams() ([]byte, error)
}

// Family fits and decodes one kind of model.
type Family interface {
	// Name is the family's name in config, artifacts and leaderboards.
	Name() string
	// Fit fits the model on the training log. Every learner in train is a
	// training learner: callers keep test learners out.
	Fit(ctx context.Context, train *datasets.Log, opts FitOptions) (Model, error)
	// Unmarshal decodes parameters written by Model.MarshalParams.
	Unmarshal(params []byte) (Model, error)
}

// FitOptions are the settings shared by every family's Fit.
type FitOptions struct {
	Seed int64
	// Progress, when non-nil, is called with the fraction of fitting done.
	Progress func(done float64)
	// Params holds family-specific settings from the config file (the
	// family's section), decoded by the family.
	Params map[string]any
}
