package elasticity

import "github.com/zpd-project/zpd/features"

// nFeatures is the number of practice features of an (attempt, skill) pair
// (features.Vector). Params.Rates and Params.SkillRates follow its order.
const nFeatures = features.NumPractice

// NewPractice returns an empty features.Practice over m's skills with m's
// recency decay: the practice a learner's attempts build, for Term.
func (m *Model) NewPractice() *features.Practice {
	return features.NewPractice(len(m.p.Skills), m.p.Config.RecencyDecay)
}

// Term returns the learning term of an attempt on skills given the
// practice p so far, l = the mean over its skills of Σ_c (γ_c + γ_kc)·F_kc
// (docs/models.md, "Likelihood"), and x = the mean over its skills of F_k,
// l's derivative by the global rates Params.Rates. Features are rounded to
// float32 as in the fit, so a training history scores exactly as it was
// fitted.
func (m *Model) Term(p *features.Practice, skills []int32) (l float64, x [nFeatures]float64) {
	if !m.p.Config.Learning || len(skills) == 0 {
		return 0, x
	}
	for _, k := range skills {
		lk, xk := m.skillTerm(p.Skill(k), k)
		l += lk
		for i, v := range xk {
			x[i] += v
		}
	}
	n := float64(len(skills))
	for i := range x {
		x[i] /= n
	}
	return l / n, x
}

// skillTerm is skill k's share of Term, before the mean over skills:
// Σ_c (γ_c + γ_kc)·F_kc and F_k. Summing per skill first lets the Scorer
// reuse a skill's share across the items it forecasts (termOf).
func (m *Model) skillTerm(t *features.Tally, k int32) (l float64, x [nFeatures]float64) {
	if t.Empty() {
		return 0, x
	}
	r := &m.p.SkillRates[k]
	for i, v := range m.scale.Vector(t) {
		v = float64(float32(v))
		x[i] = v
		l += (m.p.Rates[i] + r[i]) * v
	}
	return l, x
}

// AttemptSkills returns the skills an attempt on item exercises under
// the skill rule of features.Index.AttemptSkills.
func (m *Model) AttemptSkills(item int32, skills []int32) []int32 {
	return m.ix.AttemptSkills(item, skills)
}
