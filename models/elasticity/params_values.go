package elasticity

import (
	"errors"
	"fmt"
	"math"
)

// maxLogit bounds every parameter on the logit scale: beyond it a
// probability is 0 or 1 to double precision, so a larger value means a
// damaged or forged parameter file, not a fit.
const maxLogit = 1e3

// checkValues reports parameters whose shapes agree but whose contents a
// fit cannot produce: no items, repeated item or skill ids, values that
// are not finite or beyond maxLogit, negative SDs. The checksum in an
// artifact's metadata proves the file is the one written, not that it is
// a model.
func (p *Params) checkValues() error {
	if len(p.Items) == 0 {
		return errors.New("no items")
	}
	if err := unique("items", p.Items); err != nil {
		return err
	}
	if err := unique("skills", p.Skills); err != nil {
		return err
	}
	vectors := []struct {
		name string
		v    []float64
	}{
		{"mean", p.Mean[:]}, {"rates", p.Rates[:]},
		{"difficulty", p.Difficulty}, {"support_effect", p.SupportEffect},
		{"skill_difficulty", p.SkillDifficulty}, {"skill_support", p.SkillSupport},
		{"item_sd", []float64{p.ItemSD}}, {"support_sd", []float64{p.SupportSD}},
	}
	for k := range p.SkillRates {
		vectors = append(vectors, struct {
			name string
			v    []float64
		}{fmt.Sprintf("skill_rates[%d]", k), p.SkillRates[k][:]})
	}
	for _, vec := range vectors {
		for i, x := range vec.v {
			if !(math.Abs(x) <= maxLogit) {
				return fmt.Errorf("%s[%d] = %g: not a fitted value (finite, at most %g in size)", vec.name, i, x, maxLogit)
			}
		}
	}
	if p.ItemSD < 0 || p.SupportSD < 0 {
		return fmt.Errorf("item_sd %g, support_sd %g: SDs cannot be negative", p.ItemSD, p.SupportSD)
	}
	for i, c := range []float64{p.Cov[0][0], p.Cov[0][1], p.Cov[1][1]} {
		if !(math.Abs(c) <= maxLogit*maxLogit) {
			return fmt.Errorf("cov entry %d = %g: not a fitted value", i, c)
		}
	}
	return nil
}

// unique reports the first id that appears twice in ids.
func unique(field string, ids []string) error {
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if j, ok := seen[id]; ok {
			return fmt.Errorf("%s[%d] and %s[%d] are both %q", field, j, field, i, id)
		}
		seen[id] = i
	}
	return nil
}
