package elasticity

import (
	"fmt"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
)

// Config holds the elasticity family's settings: the fit's regularisation and
// optimiser, and the thresholds that turn a posterior into a ZAD edge, a point
// of difficulty and a zone. FitOptions.Params keys are the json tags;
// docs/models.md lists them with their meaning.
type Config struct {
	// Mastery is the P(independent success) a learner needs on an item for it
	// to count as mastered (the ZAD edge).
	Mastery float64 `json:"mastery"`
	// Reach is the P(success with support | failed alone) that makes an item
	// reachable with support (the point of difficulty).
	Reach float64 `json:"reach"`
	// ZoneCredibility is the posterior probability a zone label needs: an
	// item is mastered only when P(p_independent ≥ Mastery) ≥ ZoneCredibility,
	// beyond reach only when P(p_supported < Reach) ≥ ZoneCredibility, and in
	// the ZPD otherwise. 0.5 labels by the posterior median.
	ZoneCredibility float64 `json:"zone_credibility"`

	// Learning turns the practice terms (γ) on; off fits a static model.
	Learning bool `json:"learning"`
	// SkillLearning adds per-skill deviations to the global learning rates.
	SkillLearning bool `json:"skill_learning"`
	// ItemSupport adds the per-item support-effectiveness offset d_j.
	ItemSupport bool `json:"item_support"`
	// FeedbackStage splits success with support into two continuation
	// stages: success after feedback alone (a retry with no hint), then,
	// for those that did not, success with hints, each with its own learner
	// effect (φ for feedback, ε for hints) and item effect (docs/models.md,
	// "Help versus feedback"). Off: one support stage.
	FeedbackStage bool `json:"feedback_stage"`
	// Practice is how practice counts enter the learning term: "log1p" or
	// "linear".
	Practice string `json:"practice"`
	// Recency adds recency-weighted outcomes on the skill to the learning
	// term, each earlier attempt weighted RecencyDecay^(attempts since).
	Recency      bool    `json:"recency"`
	RecencyDecay float64 `json:"recency_decay"`

	// MaxIterations caps the L-BFGS iterations of the fit.
	MaxIterations int `json:"max_iterations"`
	// Tolerance ends the fit when the predicted decrease of the negative log
	// posterior per attempt falls below it (and the variances have settled).
	Tolerance float64 `json:"tolerance"`
	// HyperTolerance is the largest change of a prior SD (logits) between
	// iterations at which the variances count as settled.
	HyperTolerance float64 `json:"hyper_tolerance"`
	// ValidationFraction of training learners is held out (split by learner)
	// to pick the round by online log-loss; 0 disables early stopping.
	ValidationFraction float64 `json:"validation_fraction"`
	// Patience is how many rounds without validation improvement end the fit.
	Patience int `json:"patience"`
	// Threads is the number of goroutines evaluating the objective; 0 means
	// GOMAXPROCS.
	Threads int `json:"threads"`
	// MinSD floors every estimated prior standard deviation, so a variance
	// never collapses to zero.
	MinSD float64 `json:"min_sd"`
	// NewtonSteps caps the Newton iterations of the per-learner posterior.
	NewtonSteps int `json:"newton_steps"`
}

// DefaultConfig returns the settings used when FitOptions.Params is empty.
func DefaultConfig() Config {
	return Config{
		Mastery:            0.8,
		Reach:              0.5,
		ZoneCredibility:    0.8,
		Learning:           true,
		SkillLearning:      true,
		ItemSupport:        true,
		Practice:           PracticeLog1p,
		Recency:            true,
		RecencyDecay:       0.3,
		MaxIterations:      300,
		Tolerance:          1e-5,
		HyperTolerance:     1e-2,
		ValidationFraction: 0,
		Patience:           2,
		MinSD:              0.02,
		NewtonSteps:        25,
	}
}

// Practice transforms of the learning term.
const (
	PracticeLog1p  = features.Log1p
	PracticeLinear = features.Linear
)

// ParseConfig decodes FitOptions.Params over DefaultConfig
// (models.DecodeParams). Unknown keys and values of the wrong type are
// errors, so a typo in a config file is caught.
func ParseConfig(params map[string]any) (Config, error) {
	c := DefaultConfig()
	if err := models.DecodeParams(params, &c); err != nil {
		return c, fmt.Errorf("elasticity config: %w", err)
	}
	return c, c.Validate()
}

// Validate reports settings outside their domain.
func (c *Config) Validate() error {
	switch {
	case !(c.Mastery > 0 && c.Mastery < 1):
		return fmt.Errorf("elasticity config: mastery %v not in (0,1)", c.Mastery)
	case !(c.Reach > 0 && c.Reach < 1):
		return fmt.Errorf("elasticity config: reach %v not in (0,1)", c.Reach)
	case !(c.ZoneCredibility >= 0.5 && c.ZoneCredibility < 1):
		return fmt.Errorf("elasticity config: zone_credibility %v not in [0.5,1)", c.ZoneCredibility)
	case !(c.RecencyDecay >= 0 && c.RecencyDecay < 1):
		return fmt.Errorf("elasticity config: recency_decay %v not in [0,1)", c.RecencyDecay)
	case c.Practice != PracticeLog1p && c.Practice != PracticeLinear:
		return fmt.Errorf("elasticity config: practice %q: want %q or %q", c.Practice, PracticeLog1p, PracticeLinear)
	case c.MaxIterations < 1 || c.NewtonSteps < 1:
		return fmt.Errorf("elasticity config: max_iterations and newton_steps must be ≥ 1")
	case !(c.ValidationFraction >= 0 && c.ValidationFraction < 1):
		return fmt.Errorf("elasticity config: validation_fraction %v not in [0,1)", c.ValidationFraction)
	case c.Patience < 1:
		return fmt.Errorf("elasticity config: patience must be ≥ 1")
	case c.Threads < 0:
		return fmt.Errorf("elasticity config: threads must be ≥ 0")
	case !(c.MinSD > 0) || !(c.Tolerance > 0) || !(c.HyperTolerance > 0):
		return fmt.Errorf("elasticity config: min_sd, tolerance and hyper_tolerance must be > 0")
	}
	return nil
}
