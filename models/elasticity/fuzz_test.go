package elasticity

import (
	"context"
	"math"
	"testing"
)

// FuzzUnmarshalParams feeds parameter files, seeded with real ones of both
// format versions, to the decoder: it never panics, and a file it accepts
// scores a learner with finite numbers (the loader is the gate between a
// file on disk and the server).
func FuzzUnmarshalParams(f *testing.F) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 30, 20, 15, 3
	sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.3, 0.5, 0.4
	log, _ := simulate(sc)
	for _, feedback := range []bool{false, true} {
		cfg := DefaultConfig()
		cfg.FeedbackStage = feedback
		m, err := Fit(context.Background(), log, cfg, 1, nil)
		if err != nil {
			f.Fatal(err)
		}
		b, err := m.MarshalParams()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"zpd-elasticity","format_version":2}`))
	f.Add([]byte(`{}`))
	var h History
	h.Add(0, []int32{0}, Failed)
	h.Add(1, nil, SupportedSuccess)
	h.Add(NoItem, nil, IndependentSuccess)
	f.Fuzz(func(t *testing.T, b []byte) {
		mod, err := Family{}.Unmarshal(b)
		if err != nil {
			return
		}
		m := mod.(*Model)
		hist := h
		hist.Steps = nil
		for _, st := range h.Steps { // keep only items and skills this model has
			if int(st.Item) < len(m.p.Items) {
				hist.Steps = append(hist.Steps, st)
			}
		}
		if len(m.p.Skills) == 0 {
			hist.Skills = nil
			for i := range hist.Steps {
				hist.Steps[i].SkillStart, hist.Steps[i].SkillEnd = 0, 0
			}
		}
		p := NewScorer(m).Score(&hist)
		for _, v := range []float64{p.Ability.Value, p.Elasticity.Value, p.PointOfDifficulty.Value} {
			if math.IsInf(v, 0) {
				t.Errorf("accepted parameters score an infinite value: %+v", p)
			}
		}
	})
}
