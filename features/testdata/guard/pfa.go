// Package pfa is the Performance Factors Analysis baseline (Pavlik, Cen &
// Koedinger 2009): the log-odds of success alone is a global intercept plus,
// for each skill of the item, an easiness term and weights on the learner's
// earlier successes and failures on that skill (raw counts).
package pfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/logistic"
)

// Name is the family name.
const Name = "pfa"

// FormatVersion is the version of the parameter JSON.
const FormatVersion = 1

// Grid holds the inverse L2 strengths C tried when tuning.
var Grid = []float64{0.003, 0.01, 0.03, 0.1, 0.3, 1, 3}

// DefaultC is used when the training log is too small to tune.
const DefaultC = 0.3

// Family fits PFA models. FitOptions.Params key "c" fixes C; otherwise it
// is tuned on the training learners.
type Family struct{}

// Name returns "pfa".
func (Family) Name() string { return Name }

// SkillWeights are one skill's PFA coefficients.
type SkillWeights struct {
	Easiness float64 `json:"beta"`  // beta_k
	Success  float64 `json:"gamma"` // gamma_k, per earlier success on k
	Failure  float64 `json:"rho"`   // rho_k, per earlier failure on k
}

// Model holds the fitted coefficients.
type Model struct{ params }

type params struct {
	FormatVersion int                     `json:"format_version"`
	C             float64                 `json:"c"`
	Intercept     float64                 `json:"intercept"`
	Skills        map[string]SkillWeights `json:"skills"`
}

// Fit replays every training learner to build the count features and fits
// the coefficients by L2-penalised logistic regression.
func (Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	if train.Len() == 0 {
		return nil, errors.New("pfa: empty training log")
	}
	fitC := func(ctx context.Context, log *datasets.Log, c float64) (models.Model, error) { return fit(ctx, log, c) }
	c, err := evaluate.ChooseParam(ctx, train, opts.Params, "c", Grid, DefaultC, fitC)
	if err != nil {
		return nil, fmt.Errorf("pfa: %w", err)
	}
	m, err := fit(ctx, train, c)
	if err == nil && opts.Progress != nil {
		opts.Progress(1)
	}
	return m, err
}

func fit(ctx context.Context, log *datasets.Log, c float64) (*Model, error) {
	if !(c > 0) {
		return nil, fmt.Errorf("pfa: C must be > 0, got %g", c)
	}
	col := map[string]int32{}
	for k, id := range log.SkillIDs.IDs() {
		col[id] = int32(k)
	}
	nk := int32(len(col))
	x := logistic.NewDesign(3 * int(nk))
	y := make([]bool, 0, log.Len())
	var cols []int32
	var vals []float64
	for _, h := range log.Histories() {
		st := newCounts()
		for _, row := range h {
			a := log.At(int(row))
			cols, vals = cols[:0], vals[:0]
			for _, s := range uniq(a.Skills) {
				k := col[s]
				n := st[s]
				cols = append(cols, k, nk+k, 2*nk+k)
				vals = append(vals, 1, n[0], n[1])
			}
			x.AddRow(cols, vals)
			y = append(y, a.Independent)
			st.observe(&a)
		}
	}
	w, err := logistic.Fit(ctx, x, y, c, logistic.Options{})
	if err != nil {
		return nil, fmt.Errorf("pfa: %w", err)
	}
	p := params{FormatVersion: FormatVersion, C: c, Intercept: w.Intercept, Skills: map[string]SkillWeights{}}
	for s, k := range col {
		p.Skills[s] = SkillWeights{Easiness: w.Coef[k], Success: w.Coef[nk+k], Failure: w.Coef[2*nk+k]}
	}
	return &Model{p}, nil
}

// counts holds, per skill, the learner's earlier successes and failures.
type counts map[string][2]float64

func newCounts() counts { return counts{} }

func (c counts) observe(a *datasets.Attempt) {
	for _, s := range uniq(a.Skills) {
		n := c[s]
		if a.Independent {
			n[0]++
		} else {
			n[1]++
		}
		c[s] = n
	}
}

// uniq returns the distinct skills of s in first-seen order.
func uniq(s []string) []string {
	out := make([]string, 0, len(s))
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

// Family returns "pfa".
func (*Model) Family() string { return Name }

// NewLearner starts a learner with no earlier attempts.
func (m *Model) NewLearner() models.Learner { return &learner{m: m, counts: newCounts()} }

type learner struct {
	m      *Model
	counts counts
}

// Predict sums the PFA terms of a's skills known to the model.
func (l *learner) Predict(a *datasets.Attempt) models.Prediction {
	z := l.m.Intercept
	for _, s := range uniq(a.Skills) {
		w, ok := l.m.Skills[s]
		if !ok {
			continue // skill unseen in training: no terms
		}
		n := l.counts[s]
		z += w.Easiness + w.Success*n[0] + w.Failure*n[1]
	}
	p := logistic.Sigmoid(z)
	return models.Prediction{Independent: p, Supported: p}
}

// Observe counts a's outcome alone on each of its skills.
func (l *learner) Observe(a *datasets.Attempt) { l.counts.observe(a) }

// MarshalParams encodes the model as JSON.
func (m *Model) MarshalParams() ([]byte, error) { return json.Marshal(m.params) }

// Unmarshal decodes parameters written by MarshalParams.
func (Family) Unmarshal(b []byte) (models.Model, error) {
	var p params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("pfa: decode params: %w", err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("pfa: params format_version %d, want %d", p.FormatVersion, FormatVersion)
	}
	if p.Skills == nil {
		p.Skills = map[string]SkillWeights{}
	}
	return &Model{p}, nil
}
