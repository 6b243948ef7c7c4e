package dkt

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/zpd-project/zpd/models"
)

// FormatVersion is the version of the parameter JSON.
const FormatVersion = 1

// params is the artifact's parameter JSON: the settings, how training
// went, the vocabulary (items, skills and each item's skills, for the
// skill rule) and every weight matrix, row-major, by name (shapes in
// docs/models-dkt.md).
type params struct {
	FormatVersion  int                  `json:"format_version"`
	Family         string               `json:"family"`
	Config         Config               `json:"config"`
	Training       trainResult          `json:"training"`
	Items          []string             `json:"items"`
	Skills         []string             `json:"skills"`
	ItemSkillStart []int32              `json:"item_skill_start"`
	ItemSkills     []int32              `json:"item_skills"`
	Weights        map[string][]float64 `json:"weights"`
}

// MarshalParams encodes the network as JSON.
func (m *Model) MarshalParams() ([]byte, error) {
	ix := m.vocab.ix
	p := params{FormatVersion: FormatVersion, Family: Name, Config: m.cfg, Training: m.training,
		Items: m.vocab.items, Skills: m.vocab.skills, Weights: map[string][]float64{}}
	p.ItemSkills, p.ItemSkillStart = ix.ItemSkillsCSR()
	for _, t := range m.w.tensors() {
		p.Weights[t.name] = t.data
	}
	return json.Marshal(p)
}

// Unmarshal decodes parameters written by MarshalParams, checking that the
// vocabulary is consistent and every weight matrix has its shape and
// finite values.
func (Family) Unmarshal(b []byte) (models.Model, error) {
	var p params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: decode params: %w", Name, err)
	}
	switch {
	case p.FormatVersion != FormatVersion:
		return nil, fmt.Errorf("%s: params format_version %d, want %d", Name, p.FormatVersion, FormatVersion)
	case p.Family != Name:
		return nil, fmt.Errorf("%s: params are for family %q", Name, p.Family)
	}
	if err := p.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%s: params: %w", Name, err)
	}
	if err := checkVocab(&p); err != nil {
		return nil, fmt.Errorf("%s: params: %w", Name, err)
	}
	v := newVocab(p.Items, p.Skills, p.ItemSkillStart, p.ItemSkills, p.Config.Key)
	w := newWeights(v.numKeys(), v.numSkills(), p.Config.Embedding, p.Config.Hidden)
	for _, t := range w.tensors() {
		data, ok := p.Weights[t.name]
		if !ok {
			return nil, fmt.Errorf("%s: params lack weight %q", Name, t.name)
		}
		if len(data) != len(t.data) {
			return nil, fmt.Errorf("%s: params weight %q has %d values, want %d × %d = %d", Name, t.name, len(data), t.rows, t.cols, len(t.data))
		}
		for i, x := range data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s: params weight %q[%d] is %v", Name, t.name, i, x)
			}
		}
		copy(t.data, data)
	}
	if len(p.Weights) != len(w.tensors()) {
		return nil, fmt.Errorf("%s: params have %d weight matrices, want %d", Name, len(p.Weights), len(w.tensors()))
	}
	return &Model{vocab: v, cfg: p.Config, w: w, training: p.Training}, nil
}

// checkVocab reports duplicate ids and an item-skill table that does not
// index the skills.
func checkVocab(p *params) error {
	for what, ids := range map[string][]string{"items": p.Items, "skills": p.Skills} {
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return fmt.Errorf("%s list %q twice", what, id)
			}
			seen[id] = true
		}
	}
	st := p.ItemSkillStart
	if len(st) != len(p.Items)+1 || st[0] != 0 || int(st[len(st)-1]) != len(p.ItemSkills) {
		return fmt.Errorf("item_skill_start has %d entries for %d items and %d item skills", len(st), len(p.Items), len(p.ItemSkills))
	}
	for j := 1; j < len(st); j++ {
		if st[j] < st[j-1] {
			return fmt.Errorf("item_skill_start decreases at item %d", j)
		}
	}
	for i, k := range p.ItemSkills {
		if k < 0 || int(k) >= len(p.Skills) {
			return fmt.Errorf("item_skills[%d] = %d is not a skill (%d skills)", i, k, len(p.Skills))
		}
	}
	return nil
}
