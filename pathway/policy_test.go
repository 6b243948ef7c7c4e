package pathway

import (
	"slices"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
)

// testModel has three skills of rising difficulty (β = −1, 0, 1) with
// three items each, difficulties β−0.5, β, β+0.5; item j's id is "i<j>".
func testModel(t *testing.T) *elasticity.Model {
	t.Helper()
	p := &elasticity.Params{
		Format: elasticity.FormatName, Version: elasticity.FormatVersion, Config: elasticity.DefaultConfig(),
		Mean: [2]float64{0, 1}, Cov: [2][2]float64{{1, 0.2}, {0.2, 0.5}},
		Skills: []string{"easy", "mid", "hard"}, SkillDifficulty: []float64{-1, 0, 1},
		SkillSupport: make([]float64, 3), SkillRates: make([][6]float64, 3), ItemSD: 0.3, SupportSD: 0.2,
	}
	for j := range 9 {
		k := j / 3
		p.Items = append(p.Items, "i"+string(rune('0'+j)))
		p.ItemSkillStart = append(p.ItemSkillStart, int32(j))
		p.ItemSkills = append(p.ItemSkills, int32(k))
		p.Difficulty = append(p.Difficulty, p.SkillDifficulty[k]+0.5*float64(j%3-1))
		p.SupportEffect = append(p.SupportEffect, 0)
	}
	p.ItemSkillStart = append(p.ItemSkillStart, 9)
	m, err := elasticity.NewModel(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func allCandidates(m *elasticity.Model) []Candidate {
	var c []Candidate
	for j := range int32(len(m.Params().Items)) {
		c = append(c, Place(m, j, nil))
	}
	return c
}

func newSession(t *testing.T, name string, m *elasticity.Model) *Session {
	t.Helper()
	p, err := New(name, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return NewSession(p, m, elasticity.NewScorer(m))
}

// next returns the session's one recommendation over all items.
func next(s *Session, m *elasticity.Model, seed uint64) (Recommendation, Candidate) {
	cands := allCandidates(m)
	r := s.Recommend(nil, cands, 1, seed, true)[0]
	return r, cands[r.Candidate]
}

func TestMasteryFirstStaysUntilKInARow(t *testing.T) {
	m := testModel(t)
	s := newSession(t, MasteryFirstName, m)
	observe := func(c Candidate, o elasticity.Outcome) {
		s.Observe(&Observation{Item: c.Item, Skills: c.Skills, Outcome: o})
	}
	r, c := next(s, m, 1)
	if c.Item != 0 || r.Kind != Practice {
		t.Fatalf("first pick %+v (item %d), want the easiest item of the easiest skill as practice", r, c.Item)
	}
	// Two successes, a failure, then three successes: still on skill 0
	// until the third success in a row; re-verifying after each success.
	for i, o := range []elasticity.Outcome{elasticity.IndependentSuccess, elasticity.IndependentSuccess,
		elasticity.SupportedSuccess, elasticity.IndependentSuccess, elasticity.IndependentSuccess} {
		observe(c, o)
		r, c = next(s, m, 1)
		wantKind := MasteryCheck
		if o != elasticity.IndependentSuccess {
			wantKind = Practice
		}
		if c.Skills[0] != 0 || r.Kind != wantKind {
			t.Fatalf("after outcome %d (%v): %+v on skill %d, want skill 0, kind %v", i, o, r, c.Skills[0], wantKind)
		}
	}
	observe(c, elasticity.IndependentSuccess)
	if _, c = next(s, m, 1); c.Skills[0] != 1 || c.Item != 3 {
		t.Errorf("after 3 in a row: item %d skill %d, want the easiest item (3) of skill 1", c.Item, c.Skills[0])
	}
}

func TestZPDPoDCheckCadenceAndStepBack(t *testing.T) {
	m := testModel(t)
	s := newSession(t, ZPDPoDName, m)
	cfg := DefaultConfig()
	var kinds []Kind
	// Every pick is supported success, except checks: the first check fails.
	failedOnce := false
	for range 3 * cfg.CheckEvery {
		r, c := next(s, m, uint64(len(kinds)))
		kinds = append(kinds, r.Kind)
		o := elasticity.SupportedSuccess
		if r.Kind == MasteryCheck {
			o = elasticity.IndependentSuccess
			if !failedOnce {
				o, failedOnce = elasticity.Failed, true
			}
		}
		s.Observe(&Observation{Item: c.Item, Skills: c.Skills, Outcome: o, Check: r.Kind == MasteryCheck})
	}
	first := -1
	for i, k := range kinds {
		if k == MasteryCheck {
			first = i
			break
		}
	}
	if first < cfg.CheckMinGap || first > cfg.CheckEvery {
		t.Fatalf("kinds %v: first check at %d, want within [%d, %d]", kinds, first, cfg.CheckMinGap, cfg.CheckEvery)
	}
	// After the failed check: StepBack step-backs, then a re-check.
	for i := 1; i <= cfg.StepBack; i++ {
		if kinds[first+i] != StepBack {
			t.Errorf("kinds %v: pick %d after the failed check is %v, want step_back", kinds, i, kinds[first+i])
		}
	}
	if k := kinds[first+cfg.StepBack+1]; k != MasteryCheck {
		t.Errorf("kinds %v: after stepping back %v, want a re-check", kinds, k)
	}
	if k := kinds[first+cfg.StepBack+2]; k != Stretch {
		t.Errorf("kinds %v: after the passed re-check %v, want a stretch", kinds, k)
	}
	stretches := 0
	for _, k := range kinds {
		if k == Stretch {
			stretches++
		}
	}
	if stretches < len(kinds)/2 {
		t.Errorf("kinds %v: %d stretches, want most picks to stretch", kinds, stretches)
	}
}

// zpd-pod stretches inside the ZPD, whatever the posterior draw.
func TestZPDPoDStretchesInZPD(t *testing.T) {
	m := testModel(t)
	p, _ := New(ZPDPoDName, DefaultConfig())
	l := p.NewLearner(m)
	post := elasticity.NewScorer(m).Score(&elasticity.History{})
	cands := []Candidate{
		{Item: 0, Readiness: elasticity.Readiness{Difficulty: -3, Independent: elasticity.Estimate{Value: 0.95}, Supported: elasticity.Estimate{Value: 0.99}, Zone: elasticity.Mastered}},
		{Item: 1, Readiness: elasticity.Readiness{Difficulty: 0.5, Independent: elasticity.Estimate{Value: 0.4}, Supported: elasticity.Estimate{Value: 0.7}, Zone: elasticity.Proximal}},
		{Item: 2, Readiness: elasticity.Readiness{Difficulty: 4, Independent: elasticity.Estimate{Value: 0.02}, Supported: elasticity.Estimate{Value: 0.1}, Zone: elasticity.BeyondReach}},
	}
	for seed := range uint64(50) {
		r := l.Next(nil, &View{Model: m, Posterior: post, Candidates: cands, Count: 1, Seed: seed})[0]
		if r.Candidate != 1 || r.Kind != Stretch {
			t.Fatalf("seed %d: %+v, want the ZPD candidate as a stretch", seed, r)
		}
	}
}

func TestZPDESOpensArms(t *testing.T) {
	m := testModel(t)
	cfg := DefaultConfig()
	cfg.StartArms = 1
	p, _ := New(ZPDESName, cfg)
	s := NewSession(p, m, elasticity.NewScorer(m))
	seen := map[int32]bool{}
	for i := range 40 {
		r, c := next(s, m, uint64(i))
		seen[c.Skills[0]] = true
		if i < cfg.Window && c.Skills[0] != 0 {
			t.Fatalf("pick %d on skill %d before the first arm could open another (%+v)", i, c.Skills[0], r)
		}
		s.Observe(&Observation{Item: c.Item, Skills: c.Skills, Outcome: elasticity.IndependentSuccess})
	}
	if !seen[1] || !seen[2] {
		t.Errorf("arms seen %v: succeeding on every arm should open the next ones", seen)
	}
}

// Asked for every candidate, each policy returns each exactly once, and
// the same seed gives the same list.
func TestEveryPolicyGivesEachCandidateOnce(t *testing.T) {
	m := testModel(t)
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			run := func(seed uint64) []Recommendation {
				s := newSession(t, name, m)
				s.Observe(&Observation{Item: 4, Skills: []int32{1}, Outcome: elasticity.SupportedSuccess})
				return s.Recommend(nil, allCandidates(m), 20, seed, true)
			}
			got := run(7)
			if len(got) != 9 {
				t.Fatalf("%d recommendations, want 9", len(got))
			}
			seen := map[int]bool{}
			for i, r := range got {
				if seen[r.Candidate] || r.Reason == "" || r.Position != 2+i {
					t.Errorf("recommendation %d: %+v (repeat, no reason or wrong position)", i, r)
				}
				seen[r.Candidate] = true
			}
			again := run(7)
			for i := range got {
				if got[i] != again[i] {
					t.Fatalf("same seed, different recommendation %d: %+v vs %+v", i, got[i], again[i])
				}
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	if got, err := ParseNames(" zpd-pod, random "); err != nil || len(got) != 2 || got[0] != ZPDPoDName {
		t.Errorf("ParseNames = %v, %v", got, err)
	}
	for _, bad := range []string{"", "zpd-pod,zpd-pod", "bloom"} {
		if _, err := ParseNames(bad); err == nil {
			t.Errorf("ParseNames(%q): no error", bad)
		}
	}
}

// A learner reset after a history recommends as a new one does: every bit
// of a policy's state goes back to no attempts, so the server and the
// simulator can reuse learners.
func TestResetEqualsNewLearner(t *testing.T) {
	m := testModel(t)
	history := []Observation{
		{Item: 0, Skills: []int32{0}, Outcome: elasticity.IndependentSuccess, Check: true},
		{Item: 4, Skills: []int32{1}, Outcome: elasticity.Failed, Check: true},
		{Item: 1, Skills: []int32{0}, Outcome: elasticity.IndependentSuccess},
		{Item: 2, Skills: []int32{0}, Outcome: elasticity.IndependentSuccess},
		{Item: 8, Skills: []int32{2}, Outcome: elasticity.SupportedSuccess},
	}
	sc := elasticity.NewScorer(m)
	var h elasticity.History
	post := sc.Score(&h)
	cands := allCandidates(m)
	for i := range cands {
		cands[i].Readiness = sc.Readiness(cands[i].Item, cands[i].Skills)
	}
	for _, name := range Names() {
		p, err := New(name, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		v := View{Model: m, Posterior: post, Candidates: cands, Count: 9, Seed: 3}
		want := p.NewLearner(m).Next(nil, &v)
		used := p.NewLearner(m)
		for k := range 3 {
			for i := range history {
				used.Observe(&history[i])
			}
			if k == 0 && slices.Equal(used.Next(nil, &v), want) {
				t.Fatalf("%s: the history does not change the recommendations; the test cannot tell a reset", name)
			}
			used.Reset()
			if got := used.Next(nil, &v); !slices.Equal(got, want) {
				t.Errorf("%s after reset %d: %+v, want %+v", name, k, got, want)
			}
		}
	}
}
