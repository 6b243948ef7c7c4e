package bestlr

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/logistic"
)

// FormatVersion is the version of the parameter JSON.
const FormatVersion = 1

// SkillWeights are one skill's Best-LR coefficients.
type SkillWeights struct {
	Easiness  float64 `json:"easiness"`  // indicator
	Attempts  float64 `json:"attempts"`  // per log(1 + earlier attempts on the skill)
	Successes float64 `json:"successes"` // per log(1 + earlier successes on the skill)
}

// HistoryWeights are the coefficients of the dense history features.
type HistoryWeights struct {
	ItemAttempts  float64  `json:"item_attempts"`
	ItemSuccesses float64  `json:"item_successes"`
	Attempts      float64  `json:"attempts"`
	Successes     float64  `json:"successes"`
	Hints         *float64 `json:"hints,omitempty"`         // +support only
	HintFraction  *float64 `json:"hint_fraction,omitempty"` // +support only
}

// stageWeights are one regression's coefficients keyed by item and skill id.
type stageWeights struct {
	Intercept float64                 `json:"intercept"`
	Items     map[string]float64      `json:"items"`
	Skills    map[string]SkillWeights `json:"skills"`
	History   HistoryWeights          `json:"history"`
}

type params struct {
	FormatVersion int     `json:"format_version"`
	Family        string  `json:"family"`
	C             float64 `json:"c"`
	stageWeights
	// Stage2 predicts success with support on attempts failed alone
	// (bestlr+stage2 only).
	Stage2 *stageWeights `json:"stage2,omitempty"`
}

// MarshalParams encodes the weights as JSON keyed by item and skill id.
func (m *Model) MarshalParams() ([]byte, error) {
	p := params{FormatVersion: FormatVersion, Family: m.Family(), C: m.c, stageWeights: m.stageWeights(&m.w)}
	if m.w2 != nil {
		s2 := m.stageWeights(m.w2)
		p.Stage2 = &s2
	}
	return json.Marshal(p)
}

func (m *Model) stageWeights(w *logistic.Weights) stageWeights {
	ni, nk := int32(len(m.itemCol)), int32(len(m.skillCol))
	coef := w.Coef
	s := stageWeights{Intercept: w.Intercept, Items: map[string]float64{}, Skills: map[string]SkillWeights{}}
	for id, j := range m.itemCol {
		s.Items[id] = coef[j]
	}
	for id, k := range m.skillCol {
		s.Skills[id] = SkillWeights{coef[ni+k], coef[ni+nk+k], coef[ni+2*nk+k]}
	}
	d := coef[ni+3*nk:]
	s.History = HistoryWeights{ItemAttempts: d[featItemAttempts], ItemSuccesses: d[featItemSuccesses],
		Attempts: d[featAttempts], Successes: d[featSuccesses]}
	if m.family.Support || m.family.Stage2 {
		s.History.Hints, s.History.HintFraction = &d[featHints], &d[featHintFraction]
	}
	return s
}

// Unmarshal decodes parameters written by MarshalParams for this family.
func (f Family) Unmarshal(b []byte) (models.Model, error) {
	var p params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: decode params: %w", f.Name(), err)
	}
	switch {
	case p.FormatVersion != FormatVersion:
		return nil, fmt.Errorf("%s: params format_version %d, want %d", f.Name(), p.FormatVersion, FormatVersion)
	case p.Family != f.Name():
		return nil, fmt.Errorf("%s: params are for family %q", f.Name(), p.Family)
	case f.Stage2 && p.Stage2 == nil:
		return nil, fmt.Errorf("%s: params lack the second stage", f.Name())
	}
	m := &Model{family: f, c: p.C, itemCol: columns(p.Items), skillCol: columns(p.Skills)}
	if err := m.setWeights(&m.w, &p.stageWeights); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	if f.Stage2 {
		m.w2 = &logistic.Weights{}
		if err := m.setWeights(m.w2, p.Stage2); err != nil {
			return nil, fmt.Errorf("%s: stage2: %w", f.Name(), err)
		}
	}
	return m, nil
}

// setWeights fills w from s, whose items and skills must be the model's.
func (m *Model) setWeights(w *logistic.Weights, s *stageWeights) error {
	hints := m.family.Support || m.family.Stage2
	if hints && (s.History.Hints == nil || s.History.HintFraction == nil) {
		return fmt.Errorf("params lack the hint-use weights")
	}
	if len(s.Items) != len(m.itemCol) || len(s.Skills) != len(m.skillCol) {
		return fmt.Errorf("params have %d items and %d skills, want %d and %d", len(s.Items), len(s.Skills), len(m.itemCol), len(m.skillCol))
	}
	ni, nk := int32(len(m.itemCol)), int32(len(m.skillCol))
	w.Intercept = s.Intercept
	w.Coef = make([]float64, m.numCols())
	for id, j := range m.itemCol {
		c, ok := s.Items[id]
		if !ok {
			return fmt.Errorf("params lack item %q", id)
		}
		w.Coef[j] = c
	}
	for id, k := range m.skillCol {
		sk, ok := s.Skills[id]
		if !ok {
			return fmt.Errorf("params lack skill %q", id)
		}
		w.Coef[ni+k], w.Coef[ni+nk+k], w.Coef[ni+2*nk+k] = sk.Easiness, sk.Attempts, sk.Successes
	}
	d := w.Coef[ni+3*nk:]
	d[featItemAttempts], d[featItemSuccesses] = s.History.ItemAttempts, s.History.ItemSuccesses
	d[featAttempts], d[featSuccesses] = s.History.Attempts, s.History.Successes
	if hints {
		d[featHints], d[featHintFraction] = *s.History.Hints, *s.History.HintFraction
	}
	return nil
}

// columns numbers the keys of a map in sorted order.
func columns[V any](byID map[string]V) map[string]int32 {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	col := make(map[string]int32, len(ids))
	for j, id := range ids {
		col[id] = int32(j)
	}
	return col
}
