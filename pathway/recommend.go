// Recommend is the single-call stretch/check ranking the server has always
// used when a request names no policy: a pure function of a learner's
// readiness for candidate items and the model's thresholds.

package pathway

import (
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"github.com/zpd-project/zpd/models/elasticity"
)

// Kind is why an item was recommended.
type Kind uint8

// Kinds of recommendation.
const (
	// Stretch aims at the point of difficulty: the item whose P(success
	// with support) is nearest the model's reach threshold, inside the ZPD
	// when possible.
	Stretch Kind = iota
	// MasteryCheck aims at the ZAD edge: the item whose P(independent
	// success) is nearest the mastery threshold, to confirm that the learner
	// still manages alone what the model says they master.
	MasteryCheck
	// Practice is ordinary practice: mastery-first's next item on the
	// current skill, zad-next's item just beyond the ZAD edge, zpdes's pick
	// from its chosen arm.
	Practice
	// StepBack consolidates at the ZAD edge after a failed mastery check.
	StepBack
	// Explore is a pick made at random.
	Explore
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case MasteryCheck:
		return "mastery_check"
	case Practice:
		return "practice"
	case StepBack:
		return "step_back"
	case Explore:
		return "explore"
	}
	return "stretch"
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Reasons given with recommendations. They are constants (the numbers that
// back them are in the candidate's readiness) so recommending does not
// allocate.
const (
	ReasonStretchZPD      = "in the ZPD, nearest the point of difficulty"
	ReasonStretchBeyond   = "none left in the ZPD; least beyond reach"
	ReasonStretchMastered = "all left are mastered; the hardest"
	ReasonCheckMastered   = "mastery check: mastered, nearest the ZAD edge"
	ReasonCheckNearest    = "mastery check: none mastered; nearest the ZAD edge"
)

// Options shape a list of recommendations.
type Options struct {
	// Count is how many items to recommend (at most the candidates).
	Count int
	// MasteryCheckEvery makes every k-th recommendation a mastery check
	// (k = MasteryCheckEvery); 0 turns mastery checks off.
	MasteryCheckEvery int
	// Served is how many recommendations the learner was already given in
	// this pathway, so the mastery-check cadence carries across calls: the
	// first recommendation returned is number Served+1.
	Served int
	// Mastery and Reach are the model's thresholds: P(independent success)
	// that counts as mastered, P(success with support) that counts as
	// reachable (elasticity.Config.Mastery and Reach).
	Mastery, Reach float64
}

// OptionsFor returns Options with the thresholds of the model m.
func OptionsFor(m *elasticity.Model, count, masteryCheckEvery int) Options {
	c := m.Params().Config
	return Options{Count: count, MasteryCheckEvery: masteryCheckEvery, Mastery: c.Mastery, Reach: c.Reach}
}

// Recommendation is one recommended item.
type Recommendation struct {
	// Candidate indexes the readiness slice passed to Recommend.
	Candidate int
	Kind      Kind
	// Position is the recommendation's number in the learner's pathway
	// (Options.Served + 1 for the first one returned).
	Position int
	Reason   string
}

// IsMasteryCheck reports whether recommendation number position (counting
// from 1) is a mastery check under every-k cadence.
func IsMasteryCheck(position, every int) bool {
	return every > 0 && position > 0 && position%every == 0
}

// Recommend returns up to opts.Count recommendations from the candidates
// whose readiness is cands, each candidate at most once, in the order to
// give them. It appends to dst (which may be nil) so callers can reuse a
// buffer. Ties go to the earlier candidate, so the result is deterministic.
func Recommend(dst []Recommendation, cands []elasticity.Readiness, opts Options) []Recommendation {
	n := min(opts.Count, len(cands))
	if n <= 0 {
		return dst
	}
	// Each candidate's distances from the two targets, in logits, computed
	// once: stretch from the reach threshold on P(with support), check from
	// the mastery threshold on P(alone).
	var buf [2 * 64]float64
	d := buf[:0]
	if 2*len(cands) > len(buf) {
		d = make([]float64, 0, 2*len(cands))
	}
	reachLogit, masteryLogit := numeric.Logit(opts.Reach), numeric.Logit(opts.Mastery)
	for i := range cands {
		d = append(d, math.Abs(numeric.Logit(cands[i].Supported.Value)-reachLogit))
	}
	for i := range cands {
		d = append(d, math.Abs(numeric.Logit(cands[i].Independent.Value)-masteryLogit))
	}
	stretchD, checkD := d[:len(cands)], d[len(cands):]
	var tbuf [64]bool
	taken := tbuf[:0]
	if len(cands) > len(tbuf) {
		taken = make([]bool, len(cands))
	}
	taken = taken[:len(cands)]
	for i := range n {
		pos := opts.Served + i + 1
		var r Recommendation
		if IsMasteryCheck(pos, opts.MasteryCheckEvery) {
			r = masteryCheck(cands, taken, checkD)
		} else {
			r = stretch(cands, taken, stretchD)
		}
		r.Position = pos
		taken[r.Candidate] = true
		dst = append(dst, r)
	}
	return dst
}

// stretch picks the candidate whose P(success with support) is nearest the
// reach threshold, preferring the ZPD, then items beyond reach, then
// mastered ones (the hardest of them).
func stretch(cands []elasticity.Readiness, taken []bool, dist []float64) Recommendation {
	if i := nearest(cands, taken, elasticity.Proximal, dist); i >= 0 {
		return Recommendation{Candidate: i, Kind: Stretch, Reason: ReasonStretchZPD}
	}
	if i := nearest(cands, taken, elasticity.BeyondReach, dist); i >= 0 {
		return Recommendation{Candidate: i, Kind: Stretch, Reason: ReasonStretchBeyond}
	}
	best := -1
	for i := range cands {
		if !taken[i] && (best < 0 || cands[i].Difficulty > cands[best].Difficulty) {
			best = i
		}
	}
	return Recommendation{Candidate: best, Kind: Stretch, Reason: ReasonStretchMastered}
}

// masteryCheck picks the mastered candidate whose P(independent success) is
// nearest the mastery threshold, or failing that any candidate nearest it.
func masteryCheck(cands []elasticity.Readiness, taken []bool, dist []float64) Recommendation {
	if i := nearest(cands, taken, elasticity.Mastered, dist); i >= 0 {
		return Recommendation{Candidate: i, Kind: MasteryCheck, Reason: ReasonCheckMastered}
	}
	i := nearest(cands, taken, anyZone, dist)
	return Recommendation{Candidate: i, Kind: MasteryCheck, Reason: ReasonCheckNearest}
}

// anyZone matches every zone in nearest.
const anyZone elasticity.Zone = 255

// nearest returns the untaken candidate in zone (or any zone) with the
// smallest dist, the first on ties, or -1. NaN distances sort last.
func nearest(cands []elasticity.Readiness, taken []bool, zone elasticity.Zone, dist []float64) int {
	best, bestD := -1, math.Inf(1)
	for i := range cands {
		if (zone != anyZone && cands[i].Zone != zone) || taken[i] {
			continue
		}
		d := dist[i]
		if d != d {
			d = math.MaxFloat64
		}
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
