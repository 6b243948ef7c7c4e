package policysim

import (
	"math"

	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// Outcome categories of learning: the elasticity outcomes, then beyond reach.
const (
	catFailed = iota
	catSupported
	catIndependent
	catBeyond
	nCats
)

// Per-learner metrics, in this order in every accumulator.
const (
	mGainPerStep = iota
	mGainPerMinute
	mPostTest
	mStepsToMastery
	mMastered
	mShareZPD
	mShareBeyond
	mShareMastered
	mShareChecks
	mMinutesPerStep
	nMetrics
)

// sim is what every learner's simulation reads: the world, its truth, and
// the platform's model and candidate templates.
type sim struct {
	world    *World
	bank     *bank
	model    *elasticity.Model
	cands    []pathway.Candidate // per world item, as the platform knows it
	policies []pathway.Policy
	seed     uint64
	steps    int
	// checkpoints are the step counts at which the curve and (post) the
	// post-test are measured; the last is steps.
	checkpoints []int
	postAt      []bool
	gamma       [nCats]float64
	minutes     [3]float64 // by elasticity outcome
	logPractice bool
	halfLife    float64 // minutes; 0: no forgetting
}

// world state of one learner under one policy.
type learnerState struct {
	s      []float64       // per skill: learned / scale
	counts [][nCats]uint32 // per skill, by category
	scale  float64         // forgetting factor G: learned_k = s_k·G
	sw     float64         // Σ_k weight_k·s_k
	clock  float64         // minutes
}

func (st *learnerState) reset(nSkills int) {
	if len(st.s) != nSkills {
		st.s = make([]float64, nSkills)
		st.counts = make([][nCats]uint32, nSkills)
	}
	clear(st.s)
	clear(st.counts)
	st.scale, st.sw, st.clock = 1, 0, 0
}

// learned returns the learning term on item j: the mean over its skills of
// what practice added.
func (st *learnerState) learned(bk *bank, j int32) float64 {
	ks := bk.skills[j]
	v := 0.0
	for _, k := range ks {
		v += st.s[k]
	}
	return st.scale * v / float64(len(ks))
}

// ability is the bank-average ability gained.
func (st *learnerState) ability() float64 { return st.scale * st.sw }

// advance moves the clock by dt minutes, letting gains fade.
func (st *learnerState) advance(dt, halfLife float64) {
	st.clock += dt
	if halfLife <= 0 {
		return
	}
	st.scale *= math.Exp2(-dt / halfLife)
	if st.scale < 1e-100 {
		for k := range st.s {
			st.s[k] *= st.scale
		}
		st.sw *= st.scale
		st.scale = 1
	}
}

// learn adds what an attempt of category cat on item j teaches.
func (s *sim) learn(st *learnerState, j int32, cat int) {
	for _, k := range s.bank.skills[j] {
		c := &st.counts[k][cat]
		g := s.gamma[cat]
		if s.logPractice {
			g *= math.Log1p(float64(*c)+1) - math.Log1p(float64(*c))
		}
		*c++
		st.s[k] += g / st.scale
		st.sw += s.bank.weight[k] * g / st.scale
	}
}

// postTest is the mean true P(success alone) over the bank.
func (s *sim) postTest(lt learnerTruth, st *learnerState) float64 {
	bk := s.bank
	sum := 0.0
	for j := range bk.b {
		sum += sigmoid(lt.theta + st.learned(bk, int32(j)) - bk.b[j])
	}
	return sum / float64(len(bk.b))
}

// scratch is one goroutine's reusable buffers.
type scratch struct {
	scorer   *elasticity.Scorer
	sessions []*pathway.Session
	state    learnerState
	cands    []pathway.Candidate
	recs     []pathway.Recommendation
	obs      pathway.Observation
	perm     [][]int32 // per skill: its items, shuffled in place by the offers
	// The learner's draws, the same for every policy: offers holds each
	// step's offer (offerLen items a step), draws each step's two outcome
	// uniforms and the policy's seed.
	offers []int32
	draws  []stepDraws
}

// stepDraws are the numbers one step takes from the attempt stream after
// its offer.
type stepDraws struct {
	u1, u2 float64
	seed   uint64
}

func (s *sim) newScratch() *scratch {
	sc := &scratch{scorer: elasticity.NewScorer(s.model)}
	for _, p := range s.policies {
		sc.sessions = append(sc.sessions, pathway.NewSession(p, s.model, sc.scorer))
	}
	return sc
}

// learnerResult is one learner's metrics under every policy.
type learnerResult struct {
	truth   learnerTruth
	metrics [][nMetrics]float64 // per policy
	curve   [][]float64         // per policy, per checkpoint: ability gained
}

// drawSteps fills sc.offers and sc.draws with learner i's attempt stream:
// every step takes the same numbers from it whatever the policy chose, so
// it is drawn once and every policy faces the same offers and outcomes.
// It returns the number of items in each step's offer.
func (s *sim) drawSteps(sc *scratch, i int) int {
	bk := s.bank
	cps := s.world.Platform.CandidatesPerSkill
	r := newRand(s.seed, attemptStream+uint64(i))
	if sc.perm == nil {
		sc.perm = make([][]int32, len(bk.bySkill))
	}
	offerLen := 0
	for k, items := range bk.bySkill {
		sc.perm[k] = append(sc.perm[k][:0], items...)
		offerLen += min(cps, len(items))
	}
	sc.offers, sc.draws = sc.offers[:0], sc.draws[:0]
	for range s.steps {
		// The offer: CandidatesPerSkill distinct items of each skill.
		for _, items := range sc.perm {
			n := len(items)
			for c := range min(cps, n) {
				// Distinct draws: the c-th from the n−c not yet drawn of
				// this skill (a partial Fisher–Yates on indexes).
				j := c + r.IntN(n-c)
				items[c], items[j] = items[j], items[c]
				sc.offers = append(sc.offers, items[c])
			}
		}
		u1, u2 := r.Float64(), r.Float64()
		sc.draws = append(sc.draws, stepDraws{u1, u2, r.Uint64()})
	}
	return offerLen
}

// runLearner simulates learner i under every policy, each facing the same
// draws (drawSteps).
func (s *sim) runLearner(sc *scratch, i int, res *learnerResult) {
	lt := drawLearner(&s.world.Population, s.seed, i)
	res.truth = lt
	bk := s.bank
	offerLen := s.drawSteps(sc, i)
	for p := range s.policies {
		sess := sc.sessions[p]
		sess.Reset()
		st := &sc.state
		st.reset(len(bk.skillIDs))
		var nZPD, nBeyond, nMastered, nChecks int
		mastery := float64(s.steps)
		reached := 0.0
		cp := 0
		m := &res.metrics[p]
		curve := res.curve[p]
		for t := range s.steps {
			pool := sc.offers[t*offerLen : (t+1)*offerLen]
			d := &sc.draws[t]
			sc.cands = sc.cands[:0]
			for _, j := range pool {
				sc.cands = append(sc.cands, s.cands[j])
			}
			sc.recs = sess.Recommend(sc.recs[:0], sc.cands, 1, d.seed, t%s.world.Platform.RescoreEvery == 0)
			rec := sc.recs[0]
			j := pool[rec.Candidate]

			o, cat, zone := s.attempt(lt, st, j, d.u1, d.u2)
			switch zone {
			case elasticity.Mastered:
				nMastered++
			case elasticity.Proximal:
				nZPD++
			default:
				nBeyond++
			}
			check := rec.Kind == pathway.MasteryCheck
			if check {
				nChecks++
			}
			s.learn(st, j, cat)
			st.advance(s.minutes[o], s.halfLife)
			sc.obs = pathway.Observation{Item: s.cands[j].Item, Skills: s.cands[j].Skills, Outcome: o, Check: check}
			sess.Observe(&sc.obs)

			if t+1 == s.checkpoints[cp] {
				curve[cp] = st.ability()
				if s.postAt[cp] && reached == 0 && s.postTest(lt, st) >= s.world.Mastery {
					mastery, reached = float64(t+1), 1
				}
				cp++
			}
		}
		T := float64(s.steps)
		gain := st.ability()
		m[mGainPerStep] = gain / T
		m[mGainPerMinute] = gain / st.clock
		m[mPostTest] = s.postTest(lt, st)
		if reached == 0 && m[mPostTest] >= s.world.Mastery {
			mastery, reached = T, 1
		}
		m[mStepsToMastery] = mastery
		m[mMastered] = reached
		m[mShareZPD] = float64(nZPD) / T
		m[mShareBeyond] = float64(nBeyond) / T
		m[mShareMastered] = float64(nMastered) / T
		m[mShareChecks] = float64(nChecks) / T
		m[mMinutesPerStep] = st.clock / T
	}
}
