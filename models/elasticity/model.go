// Package elasticity is zpd's model of learning with support: a sequential
// (continuation-ratio) item-response model in which each learner has an
// ability alone θ (their Zone of Actual Development) and an elasticity ε (how
// far support extends them), items have a difficulty with a skill-level
// prior, and ability grows with practice on a skill.
//
// Family fits the population model by MAP (empirical Bayes over the prior
// variances) with analytic gradients and L-BFGS. Scorer turns the frozen
// model plus one learner's history into that learner's posterior and
// everything derived from it (ZAD edge, point of difficulty, ZPD band,
// readiness for an item); evaluation, serving and batch scoring all call it.
// docs/models.md states the equations the code implements.
package elasticity

import (
	"context"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
)

// Name is the family's name in config files, artifacts and leaderboards.
const Name = "elasticity"

// FeedbackName names the family variant with the feedback stage on
// (Family{Feedback: true}), so the evaluation compares it with the default
// on the same folds.
const FeedbackName = Name + "+feedback"

// Family fits and decodes elasticity models. The zero value is ready to use.
type Family struct {
	// Feedback turns Config.FeedbackStage on whatever the params say.
	Feedback bool
}

var _ models.Family = Family{}

// Name returns "elasticity", or FeedbackName for the feedback variant.
func (f Family) Name() string {
	if f.Feedback {
		return FeedbackName
	}
	return Name
}

// Fit fits the population model on train (every learner in it is a training
// learner). opts.Params is decoded by ParseConfig.
func (f Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	cfg, err := ParseConfig(opts.Params)
	if err != nil {
		return nil, err
	}
	cfg.FeedbackStage = cfg.FeedbackStage || f.Feedback
	return Fit(ctx, train, cfg, opts.Seed, opts.Progress)
}

// Unmarshal decodes parameters written by Model.MarshalParams.
func (Family) Unmarshal(params []byte) (models.Model, error) {
	p, err := unmarshalParams(params)
	if err != nil {
		return nil, err
	}
	return NewModel(p)
}

// Model is a fitted elasticity model: frozen Params plus lookup tables. It is
// safe for concurrent use; give each goroutine its own Scorer.
type Model struct {
	p    *Params
	ix   *features.Index
	prec [2][2]float64 // inverse of p.Cov
	// with the feedback stage: the prior precision of (θ, ε, φ) and the
	// item bank's support effects
	prec3 [3][3]float64
	bank  *bank
	// logit of the mastery and reach thresholds
	logitMastery, logitReach float64
	scale                    features.Scale
}

var _ models.Model = (*Model)(nil)

// NewModel checks p and builds a Model around it. The Model keeps p; do not
// modify it afterwards.
func NewModel(p *Params) (*Model, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	m := &Model{
		p:            p,
		ix:           features.NewIndex(p.Items, p.Skills, p.ItemSkillStart, p.ItemSkills),
		logitMastery: numeric.Logit(p.Config.Mastery),
		logitReach:   numeric.Logit(p.Config.Reach),
		scale:        features.NewScale(p.Config.Practice, p.Config.Recency),
	}
	m.prec = numeric.Inverse2(p.Cov)
	if p.Feedback != nil {
		m.prec3 = m.precision3()
		m.bank = newBank(p.Feedback.ItemEffect, p.SupportEffect)
	}
	return m, nil
}

// Params returns the model's parameters. They must not be modified.
func (m *Model) Params() *Params { return m.p }

// Family returns "elasticity", or FeedbackName for a model with the
// feedback stage.
func (m *Model) Family() string {
	if m.p.Feedback != nil {
		return FeedbackName
	}
	return Name
}

// MarshalParams encodes the parameters as JSON; see docs/models.md.
func (m *Model) MarshalParams() ([]byte, error) { return m.p.marshal() }

// NewLearner starts a learner with no history.
func (m *Model) NewLearner() models.Learner { return newLearner(m) }

// Index returns the model's vocabulary, against which features resolves
// attempts and candidates.
func (m *Model) Index() *features.Index { return m.ix }

// ItemIndex returns the model's index of an item id, or NoItem.
func (m *Model) ItemIndex(id string) int32 { return m.ix.Item(id) }

// SkillIndex returns the model's index of a skill id, or NoSkill.
func (m *Model) SkillIndex(id string) int32 { return m.ix.Skill(id) }

// WithThresholds returns a model sharing m's parameters whose derived
// quantities (ZAD edge, point of difficulty, zones) use other mastery and
// reach thresholds, for a caller that asks with its own.
func (m *Model) WithThresholds(mastery, reach float64) (*Model, error) {
	p := *m.p
	p.Config.Mastery, p.Config.Reach = mastery, reach
	if err := p.Config.Validate(); err != nil {
		return nil, err
	}
	c := *m
	c.p = &p
	c.logitMastery, c.logitReach = numeric.Logit(mastery), numeric.Logit(reach)
	return &c, nil
}

// ItemSkills returns the skills the model associates with item j.
func (m *Model) ItemSkills(j int32) []int32 { return m.ix.ItemSkills(j) }

// sigmoid is the logistic function, stable for large |x|.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + expNeg(-x))
	}
	e := expNeg(x)
	return e / (1 + e)
}

// Constants of expNeg's range reduction: log2(e), and ln 2 split in a high
// part exact in few bits and the remainder (Cody–Waite).
const (
	log2e = 1.4426950408889634
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// expNeg returns e^x for x ≤ 0, to within 1e-15 relative error, about twice
// as fast as math.Exp: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its degree-12
// Taylor polynomial (Estrin's scheme, truncation < 2e-16), times 2^k by
// adding k to the exponent bits. The fit and the scorer spend most of their
// time here, which is why it is not math.Exp (general range, special
// cases, slower) nor a library: none in go.mod offers a faster exp.
// TestExpNegAccuracy holds it to math.Exp.
func expNeg(x float64) float64 {
	if x < -700 { // e^x < 1e-304: treat as 0 (never a subnormal exponent)
		return 0
	}
	k := math.Floor(x*log2e + 0.5)
	r := x - k*ln2Hi - k*ln2Lo
	r2 := r * r
	r4 := r2 * r2
	q0 := (1 + r) + r2*(1.0/2+r*(1.0/6))
	q1 := (1.0/24 + r*(1.0/120)) + r2*(1.0/720+r*(1.0/5040))
	q2 := (1.0/40320 + r*(1.0/362880)) + r2*(1.0/3628800+r*(1.0/39916800))
	p := q0 + r4*q1 + r4*r4*(q2+r4*(1.0/479001600))
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
}
