package elasticity

import (
	"context"
	"math"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// TestFitAndScorerAgreeOnAttemptsWithoutSkills fits a log in which every
// third attempt lists no skills and checks that the fit's learning term of
// every training attempt (from its design) equals the Scorer's for the
// same history: both read an attempt without skills as exercising its
// item's skills (features.Index.AttemptSkills).
func TestFitAndScorerAgreeOnAttemptsWithoutSkills(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Gamma = 60, 40, [3]float64{0.05, 0.1, 0.15}
	full, _ := simulate(sc)
	log := datasets.NewLog()
	for i := range full.Len() {
		a := full.At(i)
		if i%3 == 1 {
			a.Skills = nil
		}
		log.Append(&a)
	}
	cfg := DefaultConfig()
	cfg.ValidationFraction = 0
	m, err := Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	hist := log.Histories()
	learners := make([]int32, len(hist))
	for u := range learners {
		learners[u] = int32(u)
	}
	d := newDesign(log, hist, learners, m.p.Config)
	p := m.p
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), log)
	var h History
	skillless, learned := 0, 0
	for u, rows := range hist {
		res.History(&h, rows)
		s.Score(&h)
		for t0, r := range rows {
			row := int(d.learnerStart[u]) + t0
			var l float64
			e0, e1 := d.entStart[row], d.entStart[row+1]
			for e := e0; e < e1; e++ {
				k := d.entSkill[e]
				for i, v := range d.entF[e] {
					l += (p.Rates[i] + p.SkillRates[k][i]) * float64(v)
				}
			}
			if e1 > e0 {
				l /= float64(e1 - e0)
			}
			want := l - p.Difficulty[log.Item[r]]
			if got := s.o1[t0]; math.Abs(got-want) > 1e-9 {
				t.Fatalf("learner %d attempt %d (skills listed: %d): scorer offset %v, fit's %v", u, t0, len(log.SkillsOf(int(r))), got, want)
			}
			if len(log.SkillsOf(int(r))) == 0 {
				skillless++
				if l != 0 {
					learned++
				}
			}
		}
	}
	if skillless == 0 || learned == 0 {
		t.Fatalf("the test log exercised %d attempts without skills, %d with a learning term", skillless, learned)
	}
}
