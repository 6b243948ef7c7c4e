package features

import (
	"math"

	"github.com/zpd-project/zpd/datasets"
)

// Tally is a learner's practice on one thing (a skill, an item, or all
// their attempts) before an attempt: earlier attempts counted by outcome,
// recency-weighted, and the hints they took.
type Tally struct {
	// N counts earlier attempts by outcome (saturating at MaxUint32).
	N [NumOutcomes]uint32
	// Recent is Σ decay^(age−1) over earlier attempts by outcome: the last
	// attempt weighs 1, the one before decay, and so on.
	Recent [NumOutcomes]float64
	// Hints is the number of hints taken; Hinted the attempts with at
	// least one.
	Hints  float64
	Hinted uint32
	// Streak is the run of independent successes ending with the last
	// attempt.
	Streak uint32
}

// Add records an attempt with outcome o that took hints hints; older
// attempts fade by decay (0 keeps only the last in Recent).
func (t *Tally) Add(o Outcome, hints int32, decay float64) {
	for i := range t.Recent {
		t.Recent[i] *= decay
	}
	t.Recent[o]++
	if t.N[o] < math.MaxUint32 {
		t.N[o]++
	}
	t.Hints += float64(hints)
	if hints > 0 {
		t.Hinted++
	}
	if o == IndependentSuccess {
		t.Streak++
	} else {
		t.Streak = 0
	}
}

// Empty reports whether nothing was recorded.
func (t *Tally) Empty() bool { return t.N == [NumOutcomes]uint32{} }

// Attempts is the number of earlier attempts.
func (t Tally) Attempts() float64 {
	return float64(t.N[Failed]) + float64(t.N[SupportedSuccess]) + float64(t.N[IndependentSuccess])
}

// Successes is the number of earlier successes alone.
func (t Tally) Successes() float64 { return float64(t.N[IndependentSuccess]) }

// Failures is the number of earlier attempts not right alone.
func (t Tally) Failures() float64 { return float64(t.N[Failed]) + float64(t.N[SupportedSuccess]) }

// Practice is a learner's practice so far on each skill of an Index, for
// a model that counts by skill index. It does not allocate once its
// buffers have grown; it is not safe for concurrent use.
type Practice struct {
	decay   float64
	tallies []Tally // per skill
	touched []int32 // skills with a non-empty tally
}

// NewPractice returns an empty Practice over skills skills whose recency
// weights fade by decay per attempt.
func NewPractice(skills int, decay float64) *Practice {
	return &Practice{decay: decay, tallies: make([]Tally, skills)}
}

// Reset forgets all practice, for the next learner.
func (p *Practice) Reset() {
	for _, k := range p.touched {
		p.tallies[k] = Tally{}
	}
	p.touched = p.touched[:0]
}

// Add records an attempt with outcome o on each of skills.
func (p *Practice) Add(skills []int32, o Outcome) {
	for _, k := range skills {
		t := &p.tallies[k]
		if t.Empty() {
			p.touched = append(p.touched, k)
		}
		t.Add(o, 0, p.decay)
	}
}

// Skill returns the practice on skill k so far.
func (p *Practice) Skill(k int32) *Tally { return &p.tallies[k] }

// Counts is a learner's practice so far by id, for a model that counts by
// an item or skill id rather than a model index (the baselines).
type Counts[K comparable] map[K]Tally

// Add records an attempt at k with outcome o that took hints hints (no
// recency weighting).
func (c Counts[K]) Add(k K, o Outcome, hints int32) {
	t := c[k]
	t.Add(o, hints, 0)
	c[k] = t
}

// Distinct returns the distinct ids of s in first-seen order, so an attempt
// listing a skill twice counts it once.
func Distinct[T comparable](s []T) []T {
	out := make([]T, 0, len(s))
	for i, v := range s {
		dup := false
		for _, w := range s[:i] {
			dup = dup || w == v
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// NumPractice is the length of a practice Vector.
const NumPractice = 6

// Vector is the practice features of one (attempt, skill) pair: the
// transformed counts of earlier attempts on the skill by outcome, then the
// recency-weighted counts, each in Outcome order (failed, supported,
// independent).
type Vector [NumPractice]float64

// Scale transforms practice counts, f(n) = log(1+n) or n, and builds
// Vectors. It keeps a table of small counts so hot loops need no logarithm.
type Scale struct {
	linear, recency bool
	table           []float64
}

// Scale kinds.
const (
	Log1p  = "log1p"
	Linear = "linear"
)

const scaleTable = 256

// NewScale returns the Scale of kind (Log1p or Linear); with recency false
// the recency features of every Vector are zero.
func NewScale(kind string, recency bool) Scale {
	s := Scale{linear: kind == Linear, recency: recency, table: make([]float64, scaleTable)}
	for n := range s.table {
		s.table[n] = s.slow(uint32(n))
	}
	return s
}

func (s Scale) slow(n uint32) float64 {
	if s.linear {
		return float64(n)
	}
	return math.Log1p(float64(n))
}

// Of returns f(n).
func (s Scale) Of(n uint32) float64 {
	if n < scaleTable {
		return s.table[n]
	}
	return s.slow(n)
}

// Vector returns the practice features of t.
func (s Scale) Vector(t *Tally) Vector {
	v := Vector{s.Of(t.N[0]), s.Of(t.N[1]), s.Of(t.N[2])}
	if s.recency {
		v[3], v[4], v[5] = t.Recent[0], t.Recent[1], t.Recent[2]
	}
	return v
}

// ByID is a learner's practice so far counted by id: over all their
// attempts, per item and per skill, for models that count by id rather
// than by a model's index (the baselines). Skills are those an attempt
// lists, each once: the baselines' published definitions have no item
// fallback. Recency is not weighted.
type ByID struct {
	All    Tally
	Items  Counts[string]
	Skills Counts[string]
}

// NewByID returns the practice of a learner with no attempts.
func NewByID() *ByID {
	return &ByID{Items: Counts[string]{}, Skills: Counts[string]{}}
}

// Observe records attempt a, with its outcome and hints.
func (b *ByID) Observe(a *datasets.Attempt) {
	o := OutcomeOf(a.Independent, a.Supported)
	b.All.Add(o, a.HintsUsed, 0)
	b.Items.Add(a.Item, o, a.HintsUsed)
	for _, s := range Distinct(a.Skills) {
		b.Skills.Add(s, o, a.HintsUsed)
	}
}
