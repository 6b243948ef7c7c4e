package elasticity

import (
	"context"
	"github.com/zpd-project/zpd/features"
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

// scoreAll scores every learner's full history with the fitted model's
// Scorer and returns the posteriors by log learner index.
func scoreAll(m *Model, sc simConfig) []Posterior {
	log, _ := simulate(sc)
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), log)
	var h History
	var out []Posterior
	for _, rows := range log.Histories() {
		h.Reset()
		for _, r := range rows {
			res.Append(&h, int(r))
		}
		out = append(out, s.Score(&h))
	}
	return out
}

// TestElasticityRecoveryGrowsWithAttempts: more attempts per learner, better
// recovery of ε (and narrower posteriors).
func TestElasticityRecoveryGrowsWithAttempts(t *testing.T) {
	var prevR, prevSD float64
	for i, n := range []int{25, 100, 300} {
		sc := defaultSim()
		sc.Learners, sc.Attempt, sc.Seed = 200, n, 5
		m, _, tr := fitSim(t, sc, staticConfig())
		post := scoreAll(m, sc)
		est := make([]float64, len(post))
		sd := 0.0
		for u, p := range post {
			est[u] = p.Elasticity.Value
			sd += p.Elasticity.SD / float64(len(post))
		}
		r := pearson(est, tr.Eps)
		t.Logf("%3d attempts: r(ε) = %.3f, mean posterior SD %.3f", n, r, sd)
		if i > 0 && !(r > prevR && sd < prevSD) {
			t.Errorf("%d attempts: r(ε) %.3f, SD %.3f; fewer attempts gave %.3f, %.3f", n, r, sd, prevR, prevSD)
		}
		prevR, prevSD = r, sd
	}
}

// TestIntervalCoverage: about 90% of true θ and ε lie inside the posterior's
// 90% intervals (with 500 learners the coverage's standard error is 0.013).
func TestIntervalCoverage(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Seed, sc.Corr = 500, 60, 9, 0.3
	m, _, tr := fitSim(t, sc, staticConfig())
	post := scoreAll(m, sc)
	// The origin of the logit scale is arbitrary (θ and b shift together);
	// align the fitted scale with the truth's by the items' mean offset.
	shift := 0.0
	for j, b := range m.Params().Difficulty {
		shift += (b - tr.B[j]) / float64(len(tr.B))
	}
	const z90 = 1.6449
	var inT, inE float64
	for u, p := range post {
		if math.Abs(p.Ability.Value-shift-tr.Theta[u]) <= z90*p.Ability.SD {
			inT++
		}
		if math.Abs(p.Elasticity.Value-tr.Eps[u]) <= z90*p.Elasticity.SD {
			inE++
		}
	}
	n := float64(len(post))
	t.Logf("90%% coverage: θ %.3f, ε %.3f", inT/n, inE/n)
	for name, c := range map[string]float64{"θ": inT / n, "ε": inE / n} {
		if c < 0.86 || c > 0.94 {
			t.Errorf("coverage of %s = %.3f, want about 0.90", name, c)
		}
	}
}

// TestLearningRatesRecovered: with linear practice the fit recovers the
// simulated learning rates of failed, supported and independent practice.
func TestLearningRatesRecovered(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Skills, sc.Seed = 400, 120, 5, 3
	sc.Gamma = [3]float64{0.005, 0.05, 0.02}
	cfg := DefaultConfig()
	cfg.Practice, cfg.Recency, cfg.SkillLearning, cfg.ItemSupport = PracticeLinear, false, false, false
	m, _, _ := fitSim(t, sc, cfg)
	got := m.Params().Rates
	t.Logf("rates %v, want %v", got[:3], sc.Gamma)
	for o, want := range sc.Gamma {
		if math.Abs(got[o]-want) > 0.01 {
			t.Errorf("rate of %v practice = %.4f, want %.4f", Outcome(o), got[o], want)
		}
	}
}
