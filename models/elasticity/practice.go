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
