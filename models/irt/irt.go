// Package irt is the IRT-1PL (Rasch) baseline with online ability: item
// difficulties are fitted on the training learners, and each new learner's
// ability is re-estimated after every observed attempt as the MAP estimate
// under a normal prior fitted to the training learners' abilities.
//
// Model (docs/baselines.md): P(success alone) = sigmoid(theta - b_item).
package irt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/logistic"
	"github.com/zpd-project/zpd/models/protocol"
)

// Name is the family name.
const Name = "irt1pl"

// FormatVersion is the version of the parameter JSON.
const FormatVersion = 1

// Grid holds the inverse L2 strengths C tried when tuning.
var Grid = []float64{0.1, 0.3, 1, 3}

// DefaultC is used when the training log is too small to tune.
const DefaultC = 1.0

// Newton iteration limits for the online ability estimate.
const (
	maxNewton = 100
	newtonTol = 1e-10
)

// Family fits IRT-1PL models. FitOptions.Params key "c" fixes C; otherwise
// it is tuned on the training learners.
type Family struct{}

// Name returns "irt1pl".
func (Family) Name() string { return Name }

// Fit estimates abilities and difficulties jointly on train by L2-penalised
// logistic regression on learner and item indicators, then keeps the item
// difficulties and the mean and spread of the abilities as the prior.
func (Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	if train.Len() == 0 {
		return nil, errors.New("irt1pl: empty training log")
	}
	fitC := func(ctx context.Context, log *datasets.Log, c float64) (models.Model, error) { return fit(ctx, log, c) }
	var settings struct {
		C *float64 `json:"c"` // fixes the hyperparameter instead of tuning it
	}
	if err := models.DecodeParams(opts.Params, &settings); err != nil {
		return nil, fmt.Errorf("%s config: %w", Name, err)
	}
	c, err := protocol.ChooseParam(ctx, train, settings.C, Grid, DefaultC, fitC)
	if err != nil {
		return nil, fmt.Errorf("irt1pl: %w", err)
	}
	m, err := fit(ctx, train, c)
	if err == nil && opts.Progress != nil {
		opts.Progress(1)
	}
	return m, err
}

// Model holds item difficulties and the ability prior.
type Model struct{ params }

type params struct {
	FormatVersion int     `json:"format_version"`
	C             float64 `json:"c"`
	// Mu and Sigma are the mean and standard deviation of the training
	// learners' abilities: the prior N(Mu, Sigma^2) of a new learner.
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
	// Difficulty of each training item; SkillDifficulty is the mean over
	// the training items tagged with the skill; MeanDifficulty over all.
	Difficulty      map[string]float64 `json:"difficulty"`
	SkillDifficulty map[string]float64 `json:"skill_difficulty"`
	MeanDifficulty  float64            `json:"mean_difficulty"`
}

func fit(ctx context.Context, log *datasets.Log, c float64) (*Model, error) {
	if !(c > 0) {
		return nil, fmt.Errorf("irt1pl: C must be > 0, got %g", c)
	}
	nu, ni := log.Learners.Len(), log.Items.Len()
	x := logistic.NewDesign(nu + ni)
	one := []float64{1, 1}
	for i := 0; i < log.Len(); i++ {
		x.AddRow([]int32{log.Learner[i], int32(nu) + log.Item[i]}, one)
	}
	w, err := logistic.Fit(ctx, x, log.Independent, c, logistic.Options{})
	if err != nil {
		return nil, fmt.Errorf("irt1pl: %w", err)
	}
	p := params{FormatVersion: FormatVersion, C: c, Difficulty: map[string]float64{}, SkillDifficulty: map[string]float64{}}
	var sum, sum2 float64
	for u := 0; u < nu; u++ {
		theta := w.Coef[u] + w.Intercept
		sum += theta
		sum2 += theta * theta
	}
	p.Mu = sum / float64(nu)
	p.Sigma = math.Sqrt(math.Max(sum2/float64(nu)-p.Mu*p.Mu, 0))
	for j := 0; j < ni; j++ {
		b := -w.Coef[nu+j]
		p.Difficulty[log.Items.ID(int32(j))] = b
		p.MeanDifficulty += b / float64(ni)
	}
	p.SkillDifficulty = skillDifficulty(log, w.Coef[nu:])
	if !(p.Sigma > 0) {
		return nil, fmt.Errorf("irt1pl: abilities have no spread (sigma %g); C=%g too small", p.Sigma, c)
	}
	return &Model{p}, nil
}

// skillDifficulty averages item difficulty (-coef) over the items carrying
// each skill, each item counted once with the skills of its first attempt.
func skillDifficulty(log *datasets.Log, itemCoef []float64) map[string]float64 {
	done := make([]bool, log.Items.Len())
	sum := make([]float64, log.SkillIDs.Len())
	n := make([]float64, log.SkillIDs.Len())
	for i := 0; i < log.Len(); i++ {
		it := log.Item[i]
		if done[it] {
			continue
		}
		done[it] = true
		seen := map[int32]bool{}
		for _, s := range log.SkillsOf(i) {
			if !seen[s] {
				seen[s] = true
				sum[s] -= itemCoef[it]
				n[s]++
			}
		}
	}
	out := map[string]float64{}
	for s := range sum {
		if n[s] > 0 {
			out[log.SkillIDs.ID(int32(s))] = sum[s] / n[s]
		}
	}
	return out
}

// Family returns "irt1pl".
func (*Model) Family() string { return Name }

// ItemDifficulty returns the difficulty of a's item; for an item unseen in
// training, the mean difficulty of a's known skills, else the mean of all
// training items.
func (m *Model) ItemDifficulty(a *datasets.Attempt) float64 {
	if b, ok := m.Difficulty[a.Item]; ok {
		return b
	}
	var sum float64
	var n int
	seen := map[string]bool{}
	for _, s := range a.Skills {
		if b, ok := m.SkillDifficulty[s]; ok && !seen[s] {
			seen[s] = true
			sum += b
			n++
		}
	}
	if n == 0 {
		return m.MeanDifficulty
	}
	return sum / float64(n)
}

// NewLearner starts a learner at the prior mean ability.
func (m *Model) NewLearner() models.Learner { return &Learner{m: m, Theta: m.Mu} }

// Learner tracks one learner's MAP ability.
type Learner struct {
	m     *Model
	Theta float64 // current MAP ability
	b     []float64
	y     []bool
}

// Predict returns sigmoid(theta - b) for both outputs.
func (l *Learner) Predict(a *datasets.Attempt) models.Prediction {
	p := numeric.Sigmoid(l.Theta - l.m.ItemDifficulty(a))
	return models.Prediction{Independent: p, Supported: p}
}

// Observe adds a's outcome alone and re-estimates theta by Newton's method
// on the log-posterior of all observed attempts, from the current theta.
func (l *Learner) Observe(a *datasets.Attempt) {
	l.b = append(l.b, l.m.ItemDifficulty(a))
	l.y = append(l.y, a.Independent)
	prec := 1 / (l.m.Sigma * l.m.Sigma)
	for it := 0; it < maxNewton; it++ {
		g := -(l.Theta - l.m.Mu) * prec
		h := prec
		for k, b := range l.b {
			p := numeric.Sigmoid(l.Theta - b)
			if l.y[k] {
				g++
			}
			g -= p
			h += p * (1 - p)
		}
		step := g / h
		l.Theta += step
		if math.Abs(step) < newtonTol {
			break
		}
	}
}

// MarshalParams encodes the model as JSON.
func (m *Model) MarshalParams() ([]byte, error) { return json.Marshal(m.params) }

// Unmarshal decodes parameters written by MarshalParams.
func (Family) Unmarshal(b []byte) (models.Model, error) {
	var p params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("irt1pl: decode params: %w", err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("irt1pl: params format_version %d, want %d", p.FormatVersion, FormatVersion)
	}
	if !(p.Sigma > 0) || p.Difficulty == nil {
		return nil, errors.New("irt1pl: params incomplete (need sigma > 0 and item difficulties)")
	}
	if p.SkillDifficulty == nil {
		p.SkillDifficulty = map[string]float64{}
	}
	return &Model{p}, nil
}
