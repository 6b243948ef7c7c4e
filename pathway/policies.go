package pathway

import (
	"github.com/zpd-project/zpd/features"
	"math"
	"slices"

	"github.com/zpd-project/zpd/models/elasticity"
)

// Reasons of the model-free and simple policies.
const (
	ReasonMFPractice   = "mastery-first: the easiest item on the first unmastered skill"
	ReasonMFReverify   = "mastery-first: re-verifying the current skill (a run of independent successes, not yet k)"
	ReasonMFAllDone    = "mastery-first: every skill offered is mastered; the hardest item"
	ReasonZADNext      = "zad-next: not mastered, nearest the ZAD edge"
	ReasonZADAllDone   = "zad-next: all mastered; the hardest"
	ReasonRandom       = "random: uniform over the candidates"
	ReasonZPDESArm     = "zpdes: the arm's learning progress"
	ReasonZPDESExplore = "zpdes: exploring an active arm"
	ReasonZPDESOutside = "zpdes: no candidate on an active arm; the easiest"
)

// masteryFirst stays on a skill until MasteryRun consecutive independent
// successes, then moves on; skills in order of the model's skill
// difficulty, the easiest item of the current skill first.
type masteryFirst struct{ cfg Config }

func (masteryFirst) Name() string    { return MasteryFirstName }
func (masteryFirst) UsesModel() bool { return false }

func (p masteryFirst) NewLearner(m *elasticity.Model) Learner {
	n := len(m.Params().Skills)
	return &mfLearner{k: p.cfg.MasteryRun, practice: features.NewPractice(n, 0), mastered: make([]bool, n), order: skillOrder(m)}
}

// skillOrder returns the model's skills from the easiest (lowest skill
// difficulty β) to the hardest, ties by index.
func skillOrder(m *elasticity.Model) []int32 {
	beta := m.Params().SkillDifficulty
	order := make([]int32, len(beta))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		switch {
		case beta[a] < beta[b]:
			return -1
		case beta[a] > beta[b]:
			return 1
		}
		return 0
	})
	return order
}

type mfLearner struct {
	k        int
	attempts int
	practice *features.Practice // per skill: the current run of independent successes
	mastered []bool
	order    []int32
}

func (l *mfLearner) Reset() {
	l.attempts = 0
	l.practice.Reset()
	clear(l.mastered)
}

func (l *mfLearner) Observe(o *Observation) {
	l.attempts++
	l.practice.Add(o.Skills, o.Outcome)
	for _, k := range o.Skills {
		if int(l.practice.Skill(k).Streak) >= l.k {
			l.mastered[k] = true
		}
	}
}

func (l *mfLearner) Next(dst []Recommendation, v *View) []Recommendation {
	cands := v.Candidates
	n := min(v.Count, len(cands))
	var tbuf [128]bool
	taken := takenBuf(tbuf[:], len(cands))
	for i := range n {
		r := Recommendation{Candidate: -1, Position: position(l.attempts, i)}
		for _, k := range l.order {
			if l.mastered[k] {
				continue
			}
			best := -1
			for c := range cands {
				if !taken[c] && cands[c].hasSkill(k) && (best < 0 || cands[c].Difficulty < cands[best].Difficulty) {
					best = c
				}
			}
			if best >= 0 {
				r.Candidate, r.Kind, r.Reason = best, Practice, ReasonMFPractice
				if l.practice.Skill(k).Streak > 0 {
					r.Kind, r.Reason = MasteryCheck, ReasonMFReverify
				}
				break
			}
		}
		if r.Candidate < 0 {
			r.Candidate, r.Kind, r.Reason = extreme(cands, taken, true), Practice, ReasonMFAllDone
		}
		taken[r.Candidate] = true
		dst = append(dst, r)
	}
	return dst
}

// extreme returns the untaken candidate of highest (hardest) or lowest
// difficulty, the first on ties.
func extreme(cands []Candidate, taken []bool, hardest bool) int {
	best := -1
	for c := range cands {
		if taken[c] {
			continue
		}
		if best < 0 || (hardest && cands[c].Difficulty > cands[best].Difficulty) ||
			(!hardest && cands[c].Difficulty < cands[best].Difficulty) {
			best = c
		}
	}
	return best
}

// takenBuf returns a cleared []bool of length n, on buf when it fits.
func takenBuf(buf []bool, n int) []bool {
	if n > len(buf) {
		return make([]bool, n)
	}
	t := buf[:n]
	clear(t)
	return t
}

// zadNext gives the item just beyond the ZAD edge: among candidates not
// mastered, the one with the highest P(success alone). It ignores support.
type zadNext struct{}

func (zadNext) Name() string                         { return ZADNextName }
func (zadNext) UsesModel() bool                      { return true }
func (zadNext) NewLearner(*elasticity.Model) Learner { return &zadLearner{} }
func (l *zadLearner) Observe(*Observation)           { l.attempts++ }
func (l *zadLearner) Reset()                         { l.attempts = 0 }
func (l *zadLearner) Next(dst []Recommendation, v *View) []Recommendation {
	cands := v.Candidates
	n := min(v.Count, len(cands))
	var tbuf [128]bool
	taken := takenBuf(tbuf[:], len(cands))
	for i := range n {
		best := -1
		for c := range cands {
			if taken[c] || cands[c].Readiness.Zone == elasticity.Mastered {
				continue
			}
			if best < 0 || cands[c].Readiness.Independent.Value > cands[best].Readiness.Independent.Value {
				best = c
			}
		}
		r := Recommendation{Candidate: best, Kind: Practice, Position: position(l.attempts, i), Reason: ReasonZADNext}
		if best < 0 {
			r.Candidate, r.Reason = lowestIndependent(cands, taken), ReasonZADAllDone
		}
		taken[r.Candidate] = true
		dst = append(dst, r)
	}
	return dst
}

type zadLearner struct{ attempts int }

// lowestIndependent returns the untaken candidate with the lowest
// P(success alone): the hardest for the learner.
func lowestIndependent(cands []Candidate, taken []bool) int {
	best := -1
	for c := range cands {
		if !taken[c] && (best < 0 || cands[c].Readiness.Independent.Value < cands[best].Readiness.Independent.Value) {
			best = c
		}
	}
	return best
}

// random picks uniformly among the candidates.
type random struct{}

func (random) Name() string                         { return RandomName }
func (random) UsesModel() bool                      { return false }
func (random) NewLearner(*elasticity.Model) Learner { return &randomLearner{} }

type randomLearner struct{ attempts int }

func (l *randomLearner) Observe(*Observation) { l.attempts++ }
func (l *randomLearner) Reset()               { l.attempts = 0 }

func (l *randomLearner) Next(dst []Recommendation, v *View) []Recommendation {
	cands := v.Candidates
	n := min(v.Count, len(cands))
	var tbuf [128]bool
	taken := takenBuf(tbuf[:], len(cands))
	r := rng{v.Seed}
	for i := range n {
		// The j-th untaken candidate, j uniform.
		j := r.intn(len(cands) - i)
		c := 0
		for ; ; c++ {
			if !taken[c] {
				if j == 0 {
					break
				}
				j--
			}
		}
		taken[c] = true
		dst = append(dst, Recommendation{Candidate: c, Kind: Explore, Position: position(l.attempts, i), Reason: ReasonRandom})
	}
	return dst
}

// zpdes is ZPDES (Clément, Roy, Oudeyer & Lopes 2015): a multi-armed
// bandit whose arms are skills, ordered easiest first; it picks arms in
// proportion to their recent learning progress (the change in success
// rate), within a zone of active arms that opens the next arm when one is
// being succeeded on and closes arms that are mastered. It uses observed
// outcomes only, no learner model.
type zpdes struct{ cfg Config }

func (zpdes) Name() string    { return ZPDESName }
func (zpdes) UsesModel() bool { return false }

func (p zpdes) NewLearner(m *elasticity.Model) Learner {
	order := skillOrder(m)
	l := &zpdesLearner{cfg: p.cfg, order: order, rank: make([]int32, len(order)),
		state: make([]uint8, len(order)), hist: make([]uint64, len(order)), seen: make([]uint8, len(order))}
	for r, k := range order {
		l.rank[k] = int32(r)
	}
	l.Reset()
	return l
}

func (l *zpdesLearner) Reset() {
	l.attempts = 0
	clear(l.state)
	clear(l.hist)
	clear(l.seen)
	for r := range min(l.cfg.StartArms, len(l.order)) {
		l.state[l.order[r]] = armActive
	}
	l.opened = min(l.cfg.StartArms, len(l.order))
}

// Arm states.
const (
	armClosed uint8 = iota // not opened yet
	armActive
	armRetired
)

type zpdesLearner struct {
	cfg      Config
	attempts int
	order    []int32 // skills easiest first
	rank     []int32 // rank[k] is k's position in order
	state    []uint8
	hist     []uint64 // last outcomes on the arm, newest in bit 0 (1: independent success)
	seen     []uint8  // outcomes recorded on the arm, capped at Window
	opened   int      // arms opened so far, in order
}

func (l *zpdesLearner) Observe(o *Observation) {
	l.attempts++
	w := l.cfg.Window
	for _, k := range o.Skills {
		bit := uint64(0)
		if o.Outcome == elasticity.IndependentSuccess {
			bit = 1
		}
		l.hist[k] = l.hist[k]<<1 | bit
		if int(l.seen[k]) < w {
			l.seen[k]++
		}
		if l.state[k] != armActive || int(l.seen[k]) < w {
			continue
		}
		rate := l.rate(k, 0, w)
		if rate >= l.cfg.Promote && l.opened < len(l.order) {
			l.state[l.order[l.opened]] = armActive
			l.opened++
		}
		if rate >= l.cfg.Retire && l.active() > 1 {
			l.state[k] = armRetired
		}
	}
}

// rate is the success rate over outcomes [from, to) back on arm k (0 the
// newest).
func (l *zpdesLearner) rate(k int32, from, to int) float64 {
	n := 0
	for i := from; i < to; i++ {
		n += int(l.hist[k] >> i & 1)
	}
	return float64(n) / float64(to-from)
}

func (l *zpdesLearner) active() int {
	n := 0
	for _, s := range l.state {
		if s == armActive {
			n++
		}
	}
	return n
}

// progress is arm k's learning progress: |recent half's success rate −
// older half's|; an arm with too few outcomes gets 1, the most, so every
// arm is tried (ZPDES's optimistic start).
func (l *zpdesLearner) progress(k int32) float64 {
	w := l.cfg.Window
	if int(l.seen[k]) < w {
		return 1
	}
	return math.Abs(l.rate(k, 0, w/2) - l.rate(k, w/2, w))
}

func (l *zpdesLearner) Next(dst []Recommendation, v *View) []Recommendation {
	cands := v.Candidates
	n := min(v.Count, len(cands))
	var tbuf [128]bool
	taken := takenBuf(tbuf[:], len(cands))
	r := rng{v.Seed}
	var obuf [128]bool
	offered := takenBuf(obuf[:], len(l.order))
	for i := range n {
		// Weight of each active arm offered by an untaken candidate.
		clear(offered)
		for c := range cands {
			if !taken[c] {
				for _, k := range cands[c].Skills {
					offered[k] = true
				}
			}
		}
		total, arms := 0.0, 0
		for _, k := range l.order {
			if l.state[k] == armActive && offered[k] {
				total += l.progress(k) + 1e-3
				arms++
			}
		}
		rec := Recommendation{Candidate: -1, Kind: Practice, Position: position(l.attempts, i)}
		if arms == 0 {
			rec.Candidate, rec.Reason = extreme(cands, taken, false), ReasonZPDESOutside
		} else {
			explore := r.float() < l.cfg.Explore
			var pick int32 = -1
			if explore {
				j := r.intn(arms)
				for _, k := range l.order {
					if l.state[k] == armActive && offered[k] {
						if j == 0 {
							pick = k
							break
						}
						j--
					}
				}
				rec.Reason = ReasonZPDESExplore
			} else {
				u := r.float() * total
				for _, k := range l.order {
					if l.state[k] == armActive && offered[k] {
						pick = k
						if u -= l.progress(k) + 1e-3; u < 0 {
							break
						}
					}
				}
				rec.Reason = ReasonZPDESArm
			}
			// Within the arm, a candidate at random: ZPDES's activities
			// carry no difficulty model.
			cnt := 0
			for c := range cands {
				if !taken[c] && cands[c].hasSkill(pick) {
					cnt++
				}
			}
			j := r.intn(cnt)
			for c := range cands {
				if !taken[c] && cands[c].hasSkill(pick) {
					if j == 0 {
						rec.Candidate = c
						break
					}
					j--
				}
			}
		}
		taken[rec.Candidate] = true
		dst = append(dst, rec)
	}
	return dst
}
