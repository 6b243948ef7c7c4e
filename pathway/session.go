package pathway

import "github.com/zpd-project/zpd/models/elasticity"

// Place describes a model item (or elasticity.NoItem with skills) as a
// candidate: its difficulty and support effect in the model. Readiness is
// left for Session.Recommend (or the caller) to fill.
func Place(m *elasticity.Model, item int32, skills []int32) Candidate {
	skills = m.AttemptSkills(item, skills)
	b, d := m.ItemParams(item, skills)
	return Candidate{Item: item, Skills: skills, Difficulty: b, Support: d}
}

// Session is the platform side of one learner's pathway: the learner's
// observed history, the policy's state, and, for a policy that uses the
// model, the scoring that fills each candidate's readiness. The simulator,
// the server and batch scoring all recommend through a Session.
type Session struct {
	policy  Policy
	learner Learner
	model   *elasticity.Model
	scorer  *elasticity.Scorer
	history elasticity.History
	post    elasticity.Posterior
	stale   bool
	scored  bool
	view    View // reused: passing it to an interface would move a fresh one to the heap
	// cache holds the readiness of model items computed since the last
	// scoring (it cannot change until the next): cache[j] is valid when
	// stamp[j] == gen.
	cache []elasticity.Readiness
	stamp []uint32
	gen   uint32
}

// NewSession starts a learner with no attempts under policy p, scoring with
// sc, a Scorer of m (see Recommend on sharing it).
func NewSession(p Policy, m *elasticity.Model, sc *elasticity.Scorer) *Session {
	s := &Session{policy: p, model: m, scorer: sc}
	s.Reset()
	return s
}

// Reset forgets the learner, keeping buffers, for the next one.
func (s *Session) Reset() {
	if s.learner == nil {
		s.learner = s.policy.NewLearner(s.model)
	} else {
		s.learner.Reset()
	}
	s.history.Reset()
	s.stale, s.scored = true, false
	s.gen++
}

// Attempts is the number of attempts observed.
func (s *Session) Attempts() int { return s.history.Len() }

// Observe records the learner's next attempt.
func (s *Session) Observe(o *Observation) {
	s.learner.Observe(o)
	s.history.Add(o.Item, o.Skills, o.Outcome)
	s.stale = true
}

// Recommend appends up to count recommendations for the candidates cands
// to dst. For a policy that uses the model it first scores the history
// when rescore is true or nothing was scored yet (a platform may rescore
// only every few attempts; the Scorer then keeps the practice counts of
// the last scoring, so Sessions sharing a Scorer must not interleave),
// and fills cands' Readiness.
func (s *Session) Recommend(dst []Recommendation, cands []Candidate, count int, seed uint64, rescore bool) []Recommendation {
	v := &s.view
	*v = View{Model: s.model, Candidates: cands, Count: count, Seed: seed}
	if s.policy.UsesModel() {
		if s.stale && (rescore || !s.scored) {
			s.post = s.scorer.Score(&s.history)
			s.stale, s.scored = false, true
			s.gen++
		}
		v.Posterior = s.post
		if s.cache == nil {
			n := len(s.model.Params().Items)
			s.cache, s.stamp = make([]elasticity.Readiness, n), make([]uint32, n)
		}
		for i := range cands {
			c := &cands[i]
			if j := c.Item; j != elasticity.NoItem {
				if s.stamp[j] != s.gen {
					s.cache[j], s.stamp[j] = s.scorer.Readiness(j, c.Skills), s.gen
				}
				c.Readiness = s.cache[j]
				continue
			}
			c.Readiness = s.scorer.Readiness(c.Item, c.Skills)
		}
	}
	return s.learner.Next(dst, v)
}

// Replay returns p's state for a learner whose observed attempts are h,
// each counted as practice (a batch job has no record of which were
// checks).
func Replay(p Policy, m *elasticity.Model, h *elasticity.History) Learner {
	l := p.NewLearner(m)
	ReplayInto(l, m, h, nil, new(Observation))
	return l
}

// ReplayInto resets l, a learner of a policy under m, and observes the
// attempts h into it, for a platform that reuses one learner per policy
// and remembers which attempts answered a mastery check the policy gave:
// attempt t counts as a check when checks[t] is true (nil counts none).
// o is scratch space the caller keeps: an Observation handed to an
// interface method escapes, so a local one would be allocated on every
// call. The server recommends with it.
func ReplayInto(l Learner, m *elasticity.Model, h *elasticity.History, checks []bool, o *Observation) {
	l.Reset()
	for t := range h.Steps {
		st := &h.Steps[t]
		*o = Observation{Item: st.Item, Skills: m.AttemptSkills(st.Item, h.StepSkills(t)), Outcome: st.Outcome,
			Check: t < len(checks) && checks[t]}
		l.Observe(o)
	}
}
