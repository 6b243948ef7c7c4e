// Package itemmean is the simplest zpd baseline: every attempt is predicted
// by the training success rate of its item, smoothed towards the mean rate
// of its skills, which is smoothed towards the overall rate. It ignores the
// learner's history, so it shows how much the item alone explains.
package itemmean

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/protocol"
)

// Name is the family name.
const Name = "itemmean"

// FormatVersion is the version of the parameter JSON.
const FormatVersion = 1

// Grid holds the pseudo-counts tried when tuning; DefaultPseudoCount is used
// when the training log is too small to tune.
var Grid = []float64{0.5, 1, 2, 5, 10, 20, 50}

// DefaultPseudoCount is the pseudo-count used when tuning is impossible.
const DefaultPseudoCount = 10

// Family fits item-mean models. FitOptions.Params key "m" fixes the
// pseudo-count; otherwise it is tuned on the training learners.
type Family struct{}

// Name returns "itemmean".
func (Family) Name() string { return Name }

// Fit counts successes per item and skill in train.
func (Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	if train.Len() == 0 {
		return nil, errors.New("itemmean: empty training log")
	}
	fitM := func(_ context.Context, log *datasets.Log, m float64) (models.Model, error) { return count(log, m), nil }
	var settings struct {
		M *float64 `json:"m"` // fixes the hyperparameter instead of tuning it
	}
	if err := models.DecodeParams(opts.Params, &settings); err != nil {
		return nil, fmt.Errorf("itemmean config: %w", err)
	}
	m, err := protocol.ChooseParam(ctx, train, settings.M, Grid, DefaultPseudoCount, fitM)
	if err != nil {
		return nil, fmt.Errorf("itemmean: %w", err)
	}
	if !(m > 0) {
		return nil, fmt.Errorf("itemmean: pseudo-count m must be > 0, got %g", m)
	}
	if opts.Progress != nil {
		opts.Progress(1)
	}
	return count(train, m), nil
}

// Model holds the smoothed rates.
type Model struct {
	params
}

type params struct {
	FormatVersion int                `json:"format_version"`
	PseudoCount   float64            `json:"m"`
	Global        float64            `json:"global"`     // overall success rate
	SkillRate     map[string]float64 `json:"skill_rate"` // smoothed towards Global
	ItemSuccesses map[string]float64 `json:"item_successes"`
	ItemAttempts  map[string]float64 `json:"item_attempts"`
}

func count(log *datasets.Log, m float64) *Model {
	var succ float64
	skillS := make([]float64, log.SkillIDs.Len())
	skillN := make([]float64, log.SkillIDs.Len())
	p := params{FormatVersion: FormatVersion, PseudoCount: m, SkillRate: map[string]float64{},
		ItemSuccesses: map[string]float64{}, ItemAttempts: map[string]float64{}}
	for i := 0; i < log.Len(); i++ {
		y := 0.0
		if log.Independent[i] {
			y = 1
		}
		succ += y
		item := log.Items.ID(log.Item[i])
		p.ItemSuccesses[item] += y
		p.ItemAttempts[item]++
		for _, s := range uniq(log.SkillsOf(i)) {
			skillS[s] += y
			skillN[s]++
		}
	}
	p.Global = succ / float64(log.Len())
	for s, n := range skillN {
		if n > 0 {
			p.SkillRate[log.SkillIDs.ID(int32(s))] = (skillS[s] + m*p.Global) / (n + m)
		}
	}
	return &Model{p}
}

func uniq(s []int32) []int32 {
	var out []int32
	for i, v := range s {
		dup := false
		for _, w := range s[:i] {
			dup = dup || w == v
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// Family returns "itemmean".
func (*Model) Family() string { return Name }

// prior is the mean smoothed rate of a's known skills, or the global rate.
func (m *Model) prior(a *datasets.Attempt) float64 {
	var sum float64
	var n int
	seen := map[string]bool{}
	for _, s := range a.Skills {
		if r, ok := m.SkillRate[s]; ok && !seen[s] {
			seen[s] = true
			sum += r
			n++
		}
	}
	if n == 0 {
		return m.Global
	}
	return sum / float64(n)
}

// Independent returns the smoothed success rate of a's item.
func (m *Model) Independent(a *datasets.Attempt) float64 {
	return (m.ItemSuccesses[a.Item] + m.PseudoCount*m.prior(a)) / (m.ItemAttempts[a.Item] + m.PseudoCount)
}

// NewLearner returns a learner that ignores history.
func (m *Model) NewLearner() models.Learner { return learner{m} }

type learner struct{ m *Model }

// Predict returns the item's smoothed rate for both outputs.
func (l learner) Predict(a *datasets.Attempt) models.Prediction {
	p := l.m.Independent(a)
	return models.Prediction{Independent: p, Supported: p}
}

// Observe does nothing: the model has no learner state.
func (learner) Observe(*datasets.Attempt) {}

// MarshalParams encodes the model as JSON.
func (m *Model) MarshalParams() ([]byte, error) { return json.Marshal(m.params) }

// Unmarshal decodes parameters written by MarshalParams.
func (Family) Unmarshal(b []byte) (models.Model, error) {
	var p params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("itemmean: decode params: %w", err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("itemmean: params format_version %d, want %d", p.FormatVersion, FormatVersion)
	}
	if !(p.PseudoCount > 0) || p.ItemAttempts == nil || p.ItemSuccesses == nil || p.SkillRate == nil {
		return nil, errors.New("itemmean: params incomplete (need m > 0, item and skill tables)")
	}
	return &Model{p}, nil
}
