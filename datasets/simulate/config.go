package simulate

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Assignment is how the simulated tutor picks a learner's next item.
type Assignment string

// Item assignment policies.
const (
	// Random draws every item uniformly from the item bank.
	Random Assignment = "random"
	// Adaptive draws AdaptiveCandidates items uniformly and gives the one
	// whose probability of success with support, under the learner's true
	// current parameters, is nearest AdaptiveTarget.
	Adaptive Assignment = "adaptive"
)

// Config holds every parameter of the generative model. DefaultConfig gives
// the documented defaults; docs/simulator.md states the equations each
// parameter enters.
type Config struct {
	// Seed makes the output reproducible: the same Config gives the same log.
	Seed uint64 `json:"seed"`

	// Learners is the number of simulated learners.
	Learners int `json:"learners"`
	// MinAttempts and MaxAttempts bound each learner's number of attempts,
	// drawn uniformly from [MinAttempts, MaxAttempts].
	MinAttempts int `json:"min_attempts"`
	MaxAttempts int `json:"max_attempts"`

	// (θ, ε) ~ bivariate normal with these means, SDs and correlation.
	ThetaMean      float64 `json:"theta_mean"`
	ThetaSD        float64 `json:"theta_sd"`
	ElasticityMean float64 `json:"elasticity_mean"`
	ElasticitySD   float64 `json:"elasticity_sd"`
	Correlation    float64 `json:"correlation"`

	// Skills is the number of skills K; skill means μₖ ~ N(0, SkillSD²).
	Skills  int     `json:"skills"`
	SkillSD float64 `json:"skill_sd"`
	// Items is the size of the item bank; item difficulty
	// bⱼ ~ N(mean μ of the item's skills, ItemSD²).
	Items  int     `json:"items"`
	ItemSD float64 `json:"item_sd"`
	// TwoSkillShare is the fraction of items that exercise two skills
	// rather than one.
	TwoSkillShare float64 `json:"two_skill_share"`

	// Learning turns practice effects on; off gives static abilities for
	// clean parameter-recovery tests.
	Learning bool `json:"learning"`
	// Ability gain per earlier attempt on a skill, by that attempt's outcome:
	// independent success, success with support, failure.
	GammaIndependent float64 `json:"gamma_independent"`
	GammaSupported   float64 `json:"gamma_supported"`
	GammaFailure     float64 `json:"gamma_failure"`

	// Assignment picks items; AdaptiveTarget is the P(success with support)
	// the adaptive tutor aims at, among AdaptiveCandidates random items.
	Assignment         Assignment `json:"assignment"`
	AdaptiveTarget     float64    `json:"adaptive_target"`
	AdaptiveCandidates int        `json:"adaptive_candidates"`

	// Items offer HintsAvailable hints: 0 (scaffolding instead) with
	// probability ScaffoldedShare, else 1 + Binomial(MaxHints-1, 1/2).
	MaxHints        int     `json:"max_hints"`
	ScaffoldedShare float64 `json:"scaffolded_share"`
	// After failing alone and then succeeding with support, the learner
	// takes Binomial(HintsAvailable-1, σ(HintBias + HintSlope·gap)) hints,
	// where gap = b − a.
	HintBias  float64 `json:"hint_bias"`
	HintSlope float64 `json:"hint_slope"`
	// Retries after feedback are Poisson with mean
	// exp(RetryBias + RetrySlope·gap), scaled by ScaffoldRetryScale on
	// scaffolded items (where sub-questions replace re-answering).
	RetryBias          float64 `json:"retry_bias"`
	RetrySlope         float64 `json:"retry_slope"`
	ScaffoldRetryScale float64 `json:"scaffold_retry_scale"`

	// Time to first response: ln(ms) ~ N(ResponseLogMean +
	// ResponseGapSlope·gap, ResponseLogSD²).
	ResponseLogMean  float64 `json:"response_log_mean"`
	ResponseLogSD    float64 `json:"response_log_sd"`
	ResponseGapSlope float64 `json:"response_gap_slope"`

	// Start is the earliest attempt time; each learner starts uniformly
	// within StartSpread of it. Between attempts: the response time plus an
	// exponential pause with mean GapMean.
	Start       time.Time     `json:"start"`
	StartSpread time.Duration `json:"start_spread"`
	GapMean     time.Duration `json:"gap_mean"`

	// Groups, when > 0, adds the group column group_school with this many
	// schools, learners spread uniformly. GroupThetaShift, when set, holds
	// one θ shift per school (equity-slice tests).
	Groups          int       `json:"groups"`
	GroupThetaShift []float64 `json:"group_theta_shift,omitempty"`

	// ExposeDifficulty writes the true bⱼ in the item_difficulty column;
	// otherwise the column is unknown (NaN), as in most real logs.
	ExposeDifficulty bool `json:"expose_difficulty"`

	// Workers is the number of goroutines generating learners; 0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int `json:"-"`
}

// GroupColumn is the name of the group column the simulator writes.
const GroupColumn = "group_school"

// DefaultConfig returns the documented defaults: 1,000 learners with 50 to
// 150 attempts each, 20 skills, 400 items, learning on, random assignment.
func DefaultConfig() Config {
	return Config{
		Seed:               1,
		Learners:           1000,
		MinAttempts:        50,
		MaxAttempts:        150,
		ThetaMean:          0,
		ThetaSD:            1,
		ElasticityMean:     1,
		ElasticitySD:       0.5,
		Correlation:        0.3,
		Skills:             20,
		SkillSD:            1,
		Items:              400,
		ItemSD:             0.5,
		TwoSkillShare:      0.3,
		Learning:           true,
		GammaIndependent:   0.02,
		GammaSupported:     0.05,
		GammaFailure:       0.005,
		Assignment:         Random,
		AdaptiveTarget:     0.7,
		AdaptiveCandidates: 16,
		MaxHints:           5,
		ScaffoldedShare:    0.3,
		HintBias:           -0.5,
		HintSlope:          0.8,
		RetryBias:          -0.3,
		RetrySlope:         0.3,
		ScaffoldRetryScale: 0.25,
		ResponseLogMean:    10, // e^10 ms ≈ 22 s, as in ASSISTments 2009
		ResponseLogSD:      1,
		ResponseGapSlope:   0.3,
		Start:              time.Date(2020, 9, 1, 8, 0, 0, 0, time.UTC),
		StartSpread:        7 * 24 * time.Hour,
		GapMean:            time.Minute,
	}
}

// Validate reports every bad parameter, each naming the field, its value and
// what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s = %v, want %s", field, v, want))
	}
	atLeast := func(field string, v, lo int) {
		if v < lo {
			bad(field, v, fmt.Sprintf(">= %d", lo))
		}
	}
	finite := func(field string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad(field, v, "a finite number")
			return false
		}
		return true
	}
	nonNeg := func(field string, v float64) {
		if finite(field, v) && v < 0 {
			bad(field, v, ">= 0")
		}
	}
	within := func(field string, v, lo, hi float64) {
		if finite(field, v) && (v < lo || v > hi) {
			bad(field, v, fmt.Sprintf("in [%g, %g]", lo, hi))
		}
	}

	atLeast("Learners", c.Learners, 1)
	atLeast("MinAttempts", c.MinAttempts, 1)
	if c.MaxAttempts < c.MinAttempts {
		bad("MaxAttempts", c.MaxAttempts, fmt.Sprintf(">= MinAttempts (%d)", c.MinAttempts))
	}
	finite("ThetaMean", c.ThetaMean)
	nonNeg("ThetaSD", c.ThetaSD)
	finite("ElasticityMean", c.ElasticityMean)
	nonNeg("ElasticitySD", c.ElasticitySD)
	within("Correlation", c.Correlation, -1, 1)
	atLeast("Skills", c.Skills, 1)
	nonNeg("SkillSD", c.SkillSD)
	atLeast("Items", c.Items, 1)
	nonNeg("ItemSD", c.ItemSD)
	within("TwoSkillShare", c.TwoSkillShare, 0, 1)
	if c.Skills == 1 && c.TwoSkillShare > 0 {
		bad("TwoSkillShare", c.TwoSkillShare, "0 when Skills = 1")
	}
	finite("GammaIndependent", c.GammaIndependent)
	finite("GammaSupported", c.GammaSupported)
	finite("GammaFailure", c.GammaFailure)
	switch c.Assignment {
	case Random, Adaptive:
	default:
		bad("Assignment", fmt.Sprintf("%q", c.Assignment), fmt.Sprintf("%q or %q", Random, Adaptive))
	}
	if finite("AdaptiveTarget", c.AdaptiveTarget) && (c.AdaptiveTarget <= 0 || c.AdaptiveTarget >= 1) {
		bad("AdaptiveTarget", c.AdaptiveTarget, "in (0, 1)")
	}
	atLeast("AdaptiveCandidates", c.AdaptiveCandidates, 1)
	within("ScaffoldedShare", c.ScaffoldedShare, 0, 1)
	if c.ScaffoldedShare < 1 {
		atLeast("MaxHints", c.MaxHints, 1)
	}
	finite("HintBias", c.HintBias)
	finite("HintSlope", c.HintSlope)
	finite("RetryBias", c.RetryBias)
	finite("RetrySlope", c.RetrySlope)
	nonNeg("ScaffoldRetryScale", c.ScaffoldRetryScale)
	finite("ResponseLogMean", c.ResponseLogMean)
	nonNeg("ResponseLogSD", c.ResponseLogSD)
	finite("ResponseGapSlope", c.ResponseGapSlope)
	if c.Start.IsZero() {
		bad("Start", "zero time", "a set time (the zero time means unknown in the log)")
	}
	if c.StartSpread < 0 {
		bad("StartSpread", c.StartSpread, ">= 0")
	}
	if c.GapMean < 0 {
		bad("GapMean", c.GapMean, ">= 0")
	}
	atLeast("Groups", c.Groups, 0)
	if n := len(c.GroupThetaShift); n != 0 && n != c.Groups {
		bad("len(GroupThetaShift)", n, fmt.Sprintf("0 or Groups (%d)", c.Groups))
	}
	for g, s := range c.GroupThetaShift {
		finite(fmt.Sprintf("GroupThetaShift[%d]", g), s)
	}
	atLeast("Workers", c.Workers, 0)
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("simulate: invalid config: %w", errors.Join(errs...))
}
