// Package bestlr is the Best-LR baseline of Gervet et al. (2020), "When is
// deep learning the best approach to knowledge tracing?": a logistic
// regression on item and skill indicators plus log-counts of the learner's
// earlier attempts and successes on the item, on each skill, and in total.
// The +support variant adds the learner's earlier use of hints; the +stage2
// variant (bestlr+stage2) adds a second regression on the same features,
// fitted on the attempts failed alone and predicting success with support,
// so that the elasticity model's second stage meets a real competitor.
package bestlr

import (
	"context"
	"fmt"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/logistic"
	"github.com/zpd-project/zpd/models/protocol"
)

// Family names.
const (
	Name        = "bestlr"
	NameSupport = "bestlr+support"
	NameStage2  = "bestlr+stage2"
)

// Grid holds the inverse L2 strengths C tried when tuning.
var Grid = []float64{0.03, 0.1, 0.3, 1, 3}

// DefaultC is used when the training log is too small to tune.
const DefaultC = 0.3

// Dense history features, in column order after the item and skill blocks.
const (
	featItemAttempts  = iota // log(1 + earlier attempts at this item)
	featItemSuccesses        // log(1 + earlier successes alone at this item)
	featAttempts             // log(1 + earlier attempts)
	featSuccesses            // log(1 + earlier successes alone)
	featHints                // +support: log(1 + hints taken earlier)
	featHintFraction         // +support: share of earlier attempts with a hint taken
)

// Family fits Best-LR models; with Support it is "bestlr+support", and with
// Stage2 as well "bestlr+stage2", which fits a second regression for
// P(success with support | failed alone) on the attempts failed alone.
// FitOptions.Params key "c" fixes C; otherwise it is tuned on the training
// learners (by the first stage; the second uses the same C).
type Family struct{ Support, Stage2 bool }

// Name returns "bestlr", "bestlr+support" or "bestlr+stage2".
func (f Family) Name() string {
	switch {
	case f.Stage2:
		return NameStage2
	case f.Support:
		return NameSupport
	}
	return Name
}

func (f Family) numDense() int {
	if f.Support || f.Stage2 {
		return 6
	}
	return 4
}

// Fit replays every training learner to build the features and fits the
// weights by L2-penalised logistic regression.
func (f Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	if train.Len() == 0 {
		return nil, fmt.Errorf("%s: empty training log", f.Name())
	}
	fitC := func(ctx context.Context, log *datasets.Log, c float64) (models.Model, error) {
		return f.fit(ctx, log, c)
	}
	var settings struct {
		C *float64 `json:"c"` // fixes the hyperparameter instead of tuning it
	}
	if err := models.DecodeParams(opts.Params, &settings); err != nil {
		return nil, fmt.Errorf("%s config: %w", f.Name(), err)
	}
	c, err := protocol.ChooseParam(ctx, train, settings.C, Grid, DefaultC, fitC)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	m, err := f.fit(ctx, train, c)
	if err == nil && opts.Progress != nil {
		opts.Progress(1)
	}
	return m, err
}

func (f Family) fit(ctx context.Context, log *datasets.Log, c float64) (*Model, error) {
	if !(c > 0) {
		return nil, fmt.Errorf("%s: C must be > 0, got %g", f.Name(), c)
	}
	m := &Model{family: f, c: c, itemCol: map[string]int32{}, skillCol: map[string]int32{}}
	for j, id := range log.Items.IDs() {
		m.itemCol[id] = int32(j)
	}
	for k, id := range log.SkillIDs.IDs() {
		m.skillCol[id] = int32(k)
	}
	x, x2 := logistic.NewDesign(m.numCols()), logistic.NewDesign(m.numCols())
	y := make([]bool, 0, log.Len())
	var y2 []bool
	var r row
	for _, h := range log.Histories() {
		st := features.NewByID()
		for _, i := range h {
			a := log.At(int(i))
			b := protocol.Blind(&a)
			m.features(st, &b, &r)
			x.AddRow(r.cols, r.vals)
			y = append(y, a.Independent)
			if f.Stage2 && !a.Independent {
				x2.AddRow(r.cols, r.vals)
				y2 = append(y2, a.Supported)
			}
			st.Observe(&a)
		}
	}
	w, err := logistic.Fit(ctx, x, y, c, logistic.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	m.w = *w
	if f.Stage2 {
		if len(y2) == 0 {
			return nil, fmt.Errorf("%s: no attempt failed alone to fit the second stage on", f.Name())
		}
		if w, err = logistic.Fit(ctx, x2, y2, c, logistic.Options{}); err != nil {
			return nil, fmt.Errorf("%s: stage 2: %w", f.Name(), err)
		}
		m.w2 = w
	}
	return m, nil
}

// Model is a fitted Best-LR model. Columns: items, then per skill an
// indicator, log(1+earlier attempts) and log(1+earlier successes) blocks,
// then the dense history features.
type Model struct {
	family   Family
	c        float64
	itemCol  map[string]int32
	skillCol map[string]int32
	w        logistic.Weights
	w2       *logistic.Weights // bestlr+stage2: P(success with support | failed alone)
}

func (m *Model) numCols() int {
	return len(m.itemCol) + 3*len(m.skillCol) + m.family.numDense()
}

// row is a reusable sparse feature row.
type row struct {
	cols []int32
	vals []float64
}

// features writes the feature row of attempt a given the learner's earlier
// attempts st. Items and skills unseen in training contribute nothing.
func (m *Model) features(st *features.ByID, a *datasets.Attempt, r *row) {
	r.cols, r.vals = r.cols[:0], r.vals[:0]
	ni, nk := int32(len(m.itemCol)), int32(len(m.skillCol))
	if j, ok := m.itemCol[a.Item]; ok {
		r.cols, r.vals = append(r.cols, j), append(r.vals, 1)
	}
	for _, s := range features.Distinct(a.Skills) {
		k, ok := m.skillCol[s]
		if !ok {
			continue
		}
		n := st.Skills[s]
		r.cols = append(r.cols, ni+k, ni+nk+k, ni+2*nk+k)
		r.vals = append(r.vals, 1, math.Log1p(n.Attempts()), math.Log1p(n.Successes()))
	}
	base := ni + 3*nk
	it := st.Items[a.Item]
	all := &st.All
	dense := []float64{math.Log1p(it.Attempts()), math.Log1p(it.Successes()), math.Log1p(all.Attempts()), math.Log1p(all.Successes())}
	if m.family.Support || m.family.Stage2 {
		frac := 0.0
		if n := all.Attempts(); n > 0 {
			frac = float64(all.Hinted) / n
		}
		dense = append(dense, math.Log1p(all.Hints), frac)
	}
	for d, v := range dense {
		r.cols, r.vals = append(r.cols, base+int32(d)), append(r.vals, v)
	}
}

// Family returns the family's name.
func (m *Model) Family() string { return m.family.Name() }

// NewLearner starts a learner with no earlier attempts.
func (m *Model) NewLearner() models.Learner { return &learner{m: m, h: features.NewByID()} }

type learner struct {
	m *Model
	h *features.ByID
	r row
}

// Predict returns P(success alone), and P(success with support | failed
// alone) from the second stage (bestlr+stage2) or else P(success alone)
// again.
func (l *learner) Predict(a *datasets.Attempt) models.Prediction {
	l.m.features(l.h, a, &l.r)
	p := numeric.Sigmoid(l.m.w.Score(l.r.cols, l.r.vals))
	pr := models.Prediction{Independent: p, Supported: p}
	if l.m.w2 != nil {
		pr.Supported = numeric.Sigmoid(l.m.w2.Score(l.r.cols, l.r.vals))
	}
	return pr
}

// Observe adds a to the learner's history.
func (l *learner) Observe(a *datasets.Attempt) { l.h.Observe(a) }
