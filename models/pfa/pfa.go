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
	"github.com/zpd-project/zpd/internal/numeric"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/logistic"
	"github.com/zpd-project/zpd/models/protocol"
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
	var settings struct {
		C *float64 `json:"c"` // fixes the hyperparameter instead of tuning it
	}
	if err := models.DecodeParams(opts.Params, &settings); err != nil {
		return nil, fmt.Errorf("pfa config: %w", err)
	}
	c, err := protocol.ChooseParam(ctx, train, settings.C, Grid, DefaultC, fitC)
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
		st := features.NewByID()
		for _, row := range h {
			a := log.At(int(row))
			cols, vals = cols[:0], vals[:0]
			for _, s := range features.Distinct(a.Skills) {
				k := col[s]
				n := st.Skills[s]
				cols = append(cols, k, nk+k, 2*nk+k)
				vals = append(vals, 1, n.Successes(), n.Failures())
			}
			x.AddRow(cols, vals)
			y = append(y, a.Independent)
			st.Observe(&a)
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

// Family returns "pfa".
func (*Model) Family() string { return Name }

// NewLearner starts a learner with no earlier attempts.
func (m *Model) NewLearner() models.Learner { return &learner{m: m, counts: features.NewByID()} }

type learner struct {
	m      *Model
	counts *features.ByID
}

// Predict sums the PFA terms of a's skills known to the model.
func (l *learner) Predict(a *datasets.Attempt) models.Prediction {
	z := l.m.Intercept
	for _, s := range features.Distinct(a.Skills) {
		w, ok := l.m.Skills[s]
		if !ok {
			continue // skill unseen in training: no terms
		}
		n := l.counts.Skills[s]
		z += w.Easiness + w.Success*n.Successes() + w.Failure*n.Failures()
	}
	p := numeric.Sigmoid(z)
	return models.Prediction{Independent: p, Supported: p}
}

// Observe counts a's outcome alone on each of its skills.
func (l *learner) Observe(a *datasets.Attempt) { l.counts.Observe(a) }

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
