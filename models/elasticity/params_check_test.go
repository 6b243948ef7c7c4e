package elasticity

import (
	"encoding/json"
	"strings"
	"testing"
)

// smallParams is a valid two-item, one-skill parameter set.
func smallParams() *Params {
	return &Params{
		Format: FormatName, Version: FormatVersion, Config: DefaultConfig(),
		Cov:   [2][2]float64{{1, 0.1}, {0.1, 0.5}},
		Items: []string{"a", "b"}, ItemSkillStart: []int32{0, 1, 1}, ItemSkills: []int32{0},
		Difficulty: []float64{0.3, -0.4}, SupportEffect: []float64{0.5, 0.2},
		Skills: []string{"k"}, SkillDifficulty: []float64{0}, SkillSupport: []float64{0.1},
		SkillRates: make([][nFeatures]float64, 1), ItemSD: 1, SupportSD: 0.5,
	}
}

// Parameters whose shapes agree but whose contents are nonsense are
// refused on load, naming the field (issue 16 item 9).
func TestUnmarshalRejectsNonsenseParams(t *testing.T) {
	if _, err := (Family{}).Unmarshal(mustMarshal(t, smallParams())); err != nil {
		t.Fatalf("valid params: %v", err)
	}
	for _, tt := range []struct {
		name  string
		edit  func(*Params)
		field string
	}{
		{"huge difficulties", func(p *Params) { p.Difficulty = []float64{1e308, 1e308} }, "difficulty"},
		{"huge support effect", func(p *Params) { p.SupportEffect[1] = -1e300 }, "support_effect"},
		{"huge mean", func(p *Params) { p.Mean[0] = 1e200 }, "mean"},
		{"huge rate", func(p *Params) { p.Rates[2] = 1e9 }, "rates"},
		{"huge skill rate", func(p *Params) { p.SkillRates[0][1] = 1e9 }, "skill_rates"},
		{"huge covariance", func(p *Params) { p.Cov = [2][2]float64{{1e300, 0}, {0, 1}} }, "cov"},
		{"negative item sd", func(p *Params) { p.ItemSD = -1 }, "item_sd"},
		{"no items", func(p *Params) {
			p.Items, p.Difficulty, p.SupportEffect, p.ItemSkillStart, p.ItemSkills = nil, nil, nil, []int32{0}, nil
		}, "no items"},
		{"duplicate item ids", func(p *Params) { p.Items[1] = "a" }, "items"},
		{"duplicate skill ids", func(p *Params) {
			p.Skills = []string{"k", "k"}
			p.SkillDifficulty, p.SkillSupport, p.SkillRates = []float64{0, 0}, []float64{0, 0}, make([][nFeatures]float64, 2)
		}, "skills"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := smallParams()
			tt.edit(p)
			_, err := (Family{}).Unmarshal(mustMarshal(t, p))
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Unmarshal error %v, want one naming %q", err, tt.field)
			}
		})
	}
}

func mustMarshal(t *testing.T, p *Params) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
