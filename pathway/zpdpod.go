package pathway

import (
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"slices"

	"github.com/zpd-project/zpd/models/elasticity"
)

// Reasons of zpd-pod.
const (
	ReasonPoDStretch   = "zpd-pod: in the ZPD, nearest the target P(success with support) for a draw from the posterior"
	ReasonPoDBeyond    = "zpd-pod: nothing in the ZPD; the least beyond reach"
	ReasonPoDMastered  = "zpd-pod: everything offered is mastered; the hardest"
	ReasonPoDCadence   = "zpd-pod: mastery check (cadence), mastered item nearest the ZAD edge"
	ReasonPoDUncertain = "zpd-pod: mastery check (posterior SD of θ grew past the threshold)"
	ReasonPoDRecheck   = "zpd-pod: re-check after stepping back"
	ReasonPoDStepBack  = "zpd-pod: step back after a failed check: nearest the ZAD edge, on the failed skill when offered"
)

// zpdPoD stretches each learner at their own point of difficulty and checks
// mastery only now and then:
//
//   - stretch: among candidates in the ZPD (by the posterior-averaged
//     readiness: not mastered, reachable with support), the one whose
//     P(success with support) is nearest Target for (θ, ε) drawn from the
//     posterior (Thompson sampling; the mode when Thompson is off). Items
//     beyond reach are given only when nothing else is offered;
//   - mastery check: after CheckEvery attempts without one, or after
//     CheckMinGap when sqrt(Var θ + Drift²·attempts since the last check)
//     exceeds SDThreshold: the mastered item nearest the ZAD edge;
//   - step back: a failed check (not right alone) is followed by StepBack
//     items nearest the ZAD edge, on the failed check's skills when
//     offered, then a re-check; stretching resumes after a passed check.
type zpdPoD struct{ cfg Config }

func (zpdPoD) Name() string    { return ZPDPoDName }
func (zpdPoD) UsesModel() bool { return true }

func (p zpdPoD) NewLearner(*elasticity.Model) Learner { return &podLearner{cfg: p.cfg} }

type podLearner struct {
	cfg      Config
	attempts int
	since    int // attempts since the last check
	stepBack int // step-back items still due
	recheck  bool
	failed   []int32 // skills of the last failed check
}

func (l *podLearner) Reset() {
	l.attempts, l.since, l.stepBack, l.recheck = 0, 0, 0, false
	l.failed = l.failed[:0]
}

func (l *podLearner) Observe(o *Observation) {
	l.attempts++
	if !o.Check {
		l.since++
		if l.stepBack > 0 {
			l.stepBack--
		}
		return
	}
	l.since = 0
	if o.Outcome == elasticity.IndependentSuccess {
		l.recheck, l.stepBack = false, 0
		return
	}
	l.recheck, l.stepBack = true, l.cfg.StepBack
	l.failed = append(l.failed[:0], o.Skills...)
}

func (l *podLearner) Next(dst []Recommendation, v *View) []Recommendation {
	cands := v.Candidates
	n := min(v.Count, len(cands))
	var tbuf [128]bool
	taken := takenBuf(tbuf[:], len(cands))
	cfg := v.Model.Params().Config
	logitMastery, logitTarget := numeric.Logit(cfg.Mastery), numeric.Logit(l.cfg.Target)
	post := &v.Posterior
	r := rng{v.Seed}
	// The cadence of the recommendations returned, as if each were taken.
	since, stepBack, recheck := l.since, l.stepBack, l.recheck
	for i := range n {
		rec := Recommendation{Position: position(l.attempts, i)}
		sd := math.Sqrt(post.Cov[0][0] + l.cfg.Drift*l.cfg.Drift*float64(since))
		switch {
		case stepBack > 0:
			rec.Candidate, rec.Kind, rec.Reason = l.nearEdge(cands, taken, logitMastery), StepBack, ReasonPoDStepBack
			stepBack--
			since++
		case recheck || (l.cfg.CheckEvery > 0 && since >= l.cfg.CheckEvery) || (since >= l.cfg.CheckMinGap && sd > l.cfg.SDThreshold):
			rec.Candidate, rec.Kind = check(cands, taken, logitMastery, l.failedIf(recheck)), MasteryCheck
			switch {
			case recheck:
				rec.Reason = ReasonPoDRecheck
			case l.cfg.CheckEvery > 0 && since >= l.cfg.CheckEvery:
				rec.Reason = ReasonPoDCadence
			default:
				rec.Reason = ReasonPoDUncertain
			}
			// The plan assumes the check passes.
			since, recheck = 0, false
		default:
			rec.Candidate, rec.Reason = l.stretch(cands, taken, post, logitTarget, &r), ReasonPoDStretch
			rec.Kind = Stretch
			since++
			if cands[rec.Candidate].Readiness.Zone == elasticity.BeyondReach {
				rec.Reason = ReasonPoDBeyond
			} else if cands[rec.Candidate].Readiness.Zone == elasticity.Mastered {
				rec.Reason = ReasonPoDMastered
			}
		}
		taken[rec.Candidate] = true
		dst = append(dst, rec)
	}
	return dst
}

func (l *podLearner) failedIf(recheck bool) []int32 {
	if recheck {
		return l.failed
	}
	return nil
}

// stretch picks the ZPD candidate whose P(success with support) for a
// posterior draw is nearest the target; without one, the least beyond
// reach; without that, the hardest mastered.
func (l *podLearner) stretch(cands []Candidate, taken []bool, post *elasticity.Posterior, logitTarget float64, r *rng) int {
	theta, eps := post.Ability.Value, post.Elasticity.Value
	if l.cfg.Thompson {
		// (θ, ε) = mode + L·z with L the Cholesky factor of the covariance.
		c := post.Cov
		l11 := math.Sqrt(math.Max(c[0][0], 0))
		var l21, l22 float64
		if l11 > 0 {
			l21 = c[1][0] / l11
			l22 = math.Sqrt(math.Max(c[1][1]-l21*l21, 0))
		}
		z1, z2 := r.norm(), r.norm()
		theta += l11 * z1
		eps += l21*z1 + l22*z2
	}
	best, bestD := -1, math.Inf(1)
	for c := range cands {
		if taken[c] || cands[c].Readiness.Zone != elasticity.Proximal {
			continue
		}
		eta := theta + eps - cands[c].Readiness.Difficulty + cands[c].Support
		if d := math.Abs(eta - logitTarget); best < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if best >= 0 {
		return best
	}
	for c := range cands {
		if !taken[c] && cands[c].Readiness.Zone == elasticity.BeyondReach &&
			(best < 0 || cands[c].Readiness.Supported.Value > cands[best].Readiness.Supported.Value) {
			best = c
		}
	}
	if best >= 0 {
		return best
	}
	return lowestIndependent(cands, taken)
}

// check picks the mastered candidate whose P(success alone) is nearest the
// mastery threshold, preferring those on skills (when given and offered);
// with none mastered, the one with the highest P(success alone).
func check(cands []Candidate, taken []bool, logitMastery float64, skills []int32) int {
	pick := func(onSkills bool) int {
		best, bestD := -1, math.Inf(1)
		for c := range cands {
			if taken[c] || cands[c].Readiness.Zone != elasticity.Mastered || (onSkills && !sharesSkill(&cands[c], skills)) {
				continue
			}
			if d := math.Abs(numeric.Logit(cands[c].Readiness.Independent.Value) - logitMastery); best < 0 || d < bestD {
				best, bestD = c, d
			}
		}
		return best
	}
	if len(skills) > 0 {
		if c := pick(true); c >= 0 {
			return c
		}
	}
	if c := pick(false); c >= 0 {
		return c
	}
	best := -1
	for c := range cands {
		if !taken[c] && (best < 0 || cands[c].Readiness.Independent.Value > cands[best].Readiness.Independent.Value) {
			best = c
		}
	}
	return best
}

// nearEdge picks the candidate not mastered with the highest P(success
// alone), on the failed check's skills when one is offered.
func (l *podLearner) nearEdge(cands []Candidate, taken []bool, logitMastery float64) int {
	pick := func(onSkills bool) int {
		best := -1
		for c := range cands {
			if taken[c] || cands[c].Readiness.Zone == elasticity.Mastered || (onSkills && !sharesSkill(&cands[c], l.failed)) {
				continue
			}
			if best < 0 || cands[c].Readiness.Independent.Value > cands[best].Readiness.Independent.Value {
				best = c
			}
		}
		return best
	}
	if c := pick(true); c >= 0 {
		return c
	}
	if c := pick(false); c >= 0 {
		return c
	}
	return check(cands, taken, logitMastery, nil)
}

func sharesSkill(c *Candidate, skills []int32) bool {
	for _, k := range skills {
		if slices.Contains(c.Skills, k) {
			return true
		}
	}
	return false
}
