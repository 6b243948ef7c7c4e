package bestlr

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/zpd-project/zpd/models"
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

type params struct {
	FormatVersion int                     `json:"format_version"`
	Family        string                  `json:"family"`
	C             float64                 `json:"c"`
	Intercept     float64                 `json:"intercept"`
	Items         map[string]float64      `json:"items"`
	Skills        map[string]SkillWeights `json:"skills"`
	History       HistoryWeights          `json:"history"`
}

// MarshalParams encodes the weights as JSON keyed by item and skill id.
func (m *Model) MarshalParams() ([]byte, error) {
	ni, nk := int32(len(m.itemCol)), int32(len(m.skillCol))
	coef := m.w.Coef
	p := params{FormatVersion: FormatVersion, Family: m.Family(), C: m.c, Intercept: m.w.Intercept,
		Items: map[string]float64{}, Skills: map[string]SkillWeights{}}
	for id, j := range m.itemCol {
		p.Items[id] = coef[j]
	}
	for id, k := range m.skillCol {
		p.Skills[id] = SkillWeights{coef[ni+k], coef[ni+nk+k], coef[ni+2*nk+k]}
	}
	d := coef[ni+3*nk:]
	p.History = HistoryWeights{ItemAttempts: d[featItemAttempts], ItemSuccesses: d[featItemSuccesses],
		Attempts: d[featAttempts], Successes: d[featSuccesses]}
	if m.family.Support {
		p.History.Hints, p.History.HintFraction = &d[featHints], &d[featHintFraction]
	}
	return json.Marshal(p)
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
	case f.Support && (p.History.Hints == nil || p.History.HintFraction == nil):
		return nil, fmt.Errorf("%s: params lack the hint-use weights", f.Name())
	}
	m := &Model{family: f, c: p.C, itemCol: columns(p.Items), skillCol: columns(p.Skills)}
	ni, nk := int32(len(m.itemCol)), int32(len(m.skillCol))
	m.w.Intercept = p.Intercept
	m.w.Coef = make([]float64, m.numCols())
	for id, j := range m.itemCol {
		m.w.Coef[j] = p.Items[id]
	}
	for id, k := range m.skillCol {
		s := p.Skills[id]
		m.w.Coef[ni+k], m.w.Coef[ni+nk+k], m.w.Coef[ni+2*nk+k] = s.Easiness, s.Attempts, s.Successes
	}
	d := m.w.Coef[ni+3*nk:]
	d[featItemAttempts], d[featItemSuccesses] = p.History.ItemAttempts, p.History.ItemSuccesses
	d[featAttempts], d[featSuccesses] = p.History.Attempts, p.History.Successes
	if f.Support {
		d[featHints], d[featHintFraction] = *p.History.Hints, *p.History.HintFraction
	}
	return m, nil
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
