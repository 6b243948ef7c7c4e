package elasticity

import "github.com/zpd-project/zpd/features"

// The elasticity model reads a learner's past through package features;
// these names are features' own, kept here so callers of the model need
// not import both packages.
type (
	// Outcome is how a past attempt ended; the values index Params.Rates.
	Outcome = features.Outcome
	// Step is one past attempt of a learner, resolved against a Model.
	Step = features.Step
	// History is a learner's attempts in seq order (features.History).
	History = features.History
)

// Outcomes of an attempt (features.Outcome).
const (
	Failed             = features.Failed
	SupportedSuccess   = features.SupportedSuccess
	IndependentSuccess = features.IndependentSuccess
)

// NoItem and NoSkill mark ids the model never saw in training.
const (
	NoItem  = features.NoItem
	NoSkill = features.NoSkill
)

// OutcomeOf maps the log's two success flags to an Outcome.
func OutcomeOf(independent, supported bool) Outcome {
	return features.OutcomeOf(independent, supported)
}
