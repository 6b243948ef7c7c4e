package elasticity

import "math"

// nFeatures is the number of practice features of an (attempt, skill) pair:
// the transformed counts of earlier attempts on the skill by outcome, then
// the recency-weighted outcomes, each in Outcome order (failed, supported,
// independent). Params.Rates and Params.SkillRates follow this order.
const nFeatures = 6

// features is the practice feature vector of one (attempt, skill) pair.
type features [nFeatures]float64

// practice is a learner's practice on one skill so far.
type practice struct {
	n      [3]uint32  // earlier attempts by outcome
	recent [3]float64 // Σ decay^(age−1) over earlier attempts, by outcome
}

// add records an attempt with outcome o: older attempts fade by decay.
func (p *practice) add(o Outcome, decay float64) {
	for i := range p.recent {
		p.recent[i] *= decay
	}
	p.recent[o]++
	if p.n[o] < math.MaxUint32 {
		p.n[o]++
	}
}

// empty reports whether the skill was never practised.
func (p *practice) empty() bool { return p.n == [3]uint32{} }

// practiceScale transforms practice counts: f(n) = log(1+n) or n. It keeps
// a table of small counts so the hot loops need no logarithm.
type practiceScale struct {
	linear bool
	table  []float64
}

const practiceTable = 256

func newPracticeScale(kind string) practiceScale {
	s := practiceScale{linear: kind == PracticeLinear, table: make([]float64, practiceTable)}
	for n := range s.table {
		s.table[n] = s.slow(uint32(n))
	}
	return s
}

func (s practiceScale) slow(n uint32) float64 {
	if s.linear {
		return float64(n)
	}
	return math.Log1p(float64(n))
}

// of returns f(n).
func (s practiceScale) of(n uint32) float64 {
	if n < practiceTable {
		return s.table[n]
	}
	return s.slow(n)
}

// features returns the feature vector of p; recency features are zero when
// recency is off.
func (s practiceScale) features(p *practice, recency bool) features {
	f := features{s.of(p.n[0]), s.of(p.n[1]), s.of(p.n[2])}
	if recency {
		f[3], f[4], f[5] = p.recent[0], p.recent[1], p.recent[2]
	}
	return f
}

// Practice is a learner's practice on the model's skills so far, counted
// as the model counts it (docs/models.md, "Likelihood"). The Scorer keeps
// one; tools that need each attempt's practice features, such as the
// report's Laplace intervals, keep their own. It is not safe for
// concurrent use.
type Practice struct {
	m       *Model
	counts  []practice // per model skill
	touched []int32    // skills with non-zero counts
}

// NewPractice returns an empty Practice for m.
func NewPractice(m *Model) *Practice {
	return &Practice{m: m, counts: make([]practice, len(m.p.Skills))}
}

// Reset forgets all practice, for the next learner.
func (p *Practice) Reset() {
	for _, k := range p.touched {
		p.counts[k] = practice{}
	}
	p.touched = p.touched[:0]
}

// Add records an attempt with outcome o on each of skills.
func (p *Practice) Add(skills []int32, o Outcome) {
	for _, k := range skills {
		c := &p.counts[k]
		if c.empty() {
			p.touched = append(p.touched, k)
		}
		c.add(o, p.m.p.Config.RecencyDecay)
	}
}

// Term returns the learning term of an attempt on skills given the
// practice so far, l = the mean over its skills of Σ_c (γ_c + γ_kc)·F_kc,
// and x = the mean over its skills of F_k, l's derivative by the global
// rates Params.Rates. Features are rounded to float32 as in the fit, so a
// training history scores exactly as it was fitted.
func (p *Practice) Term(skills []int32) (l float64, x [nFeatures]float64) {
	params := p.m.p
	if !params.Config.Learning || len(skills) == 0 {
		return 0, x
	}
	for _, k := range skills {
		c := &p.counts[k]
		if c.empty() {
			continue
		}
		r := &params.SkillRates[k]
		for i, v := range p.m.scale.features(c, params.Config.Recency) {
			v = float64(float32(v))
			x[i] += v
			l += (params.Rates[i] + r[i]) * v
		}
	}
	n := float64(len(skills))
	for i := range x {
		x[i] /= n
	}
	return l / n, x
}

// AttemptSkills returns the skills an attempt on item exercises: skills,
// or, when it lists none, the model's skills of the item.
func (m *Model) AttemptSkills(item int32, skills []int32) []int32 {
	if len(skills) == 0 && item != NoItem {
		return m.ItemSkills(item)
	}
	return skills
}
