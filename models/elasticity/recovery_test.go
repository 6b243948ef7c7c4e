package elasticity

import (
	"context"
	"math"
	"testing"
)

// staticConfig fits without learning terms, as the recovery studies do.
func staticConfig() Config {
	c := DefaultConfig()
	c.Learning = false
	c.ItemSupport = false
	return c
}

// fitSim fits cfg on a simulated log and returns the fitted learner effects
// (by log learner index) and the model.
func fitSim(t testing.TB, sc simConfig, cfg Config) (*Model, [][2]float64, *simTruth) {
	t.Helper()
	log, tr := simulate(sc)
	fitting, _ := splitValidation(log, 0, 0)
	d := newDesign(log, log.Histories(), fitting, cfg)
	f := newFitter(d, cfg, 2)
	if err := f.run(context.Background(), noCheck); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %d evaluations", f.iter, f.obj.evals)
	m, err := NewModel(f.params(log))
	if err != nil {
		t.Fatal(err)
	}
	return m, f.learnerEffects(), tr
}

func TestRecoveryStatic(t *testing.T) {
	sc := defaultSim()
	m, eff, tr := fitSim(t, sc, staticConfig())
	th, ep := make([]float64, len(eff)), make([]float64, len(eff))
	for i, e := range eff {
		th[i], ep[i] = e[0], e[1]
	}
	rT, rE, rB := pearson(th, tr.Theta), pearson(ep, tr.Eps), pearson(m.Params().Difficulty, tr.B)
	t.Logf("r(θ)=%.3f r(ε)=%.3f r(b)=%.3f mean=%v cov=%v", rT, rE, rB, m.Params().Mean, m.Params().Cov)
	if rT < 0.93 || rE < 0.6 || rB < 0.9 {
		t.Errorf("recovery too weak: r(θ)=%.3f r(ε)=%.3f r(b)=%.3f", rT, rE, rB)
	}
	p := m.Params()
	if math.Abs(p.Mean[1]-sc.EpsMean) > 0.2 || math.Abs(math.Sqrt(p.Cov[0][0])-sc.ThetaSD) > 0.2 {
		t.Errorf("population estimates off: mean %v cov %v", p.Mean, p.Cov)
	}
}

func noCheck() (bool, error) { return false, nil }
