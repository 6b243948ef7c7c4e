package elasticity

import (
	"context"
	"fmt"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	dsim "github.com/zpd-project/zpd/datasets/simulate"
)

// cohort is a simulated log with the truth of its learners and items on the
// log's own indexes.
type cohort struct {
	log        *datasets.Log
	theta, eps []float64 // by log learner index
	b, d       []float64 // by log item index (d = 0 for generators without item support effects)
}

// identified returns the truth on the scale the model identifies: item
// difficulties and support effects centred over the items of the log
// (docs/models.md, "Scale"), so θ is ability relative to the bank's average
// item and ε is what support adds on its average item.
func (c *cohort) identified() (theta, eps []float64) {
	var mb, md float64
	for j := range c.b {
		mb += c.b[j]
		md += c.d[j]
	}
	mb /= float64(len(c.b))
	md /= float64(len(c.b))
	theta, eps = make([]float64, len(c.theta)), make([]float64, len(c.eps))
	for u := range c.theta {
		theta[u], eps[u] = c.theta[u]-mb, c.eps[u]+md
	}
	return theta, eps
}

// localCohort draws from the test's own generator (sim_test.go).
func localCohort(sc simConfig) cohort {
	log, tr := simulate(sc)
	return cohort{log: log, theta: tr.Theta, eps: tr.Eps, b: tr.B, d: tr.D}
}

// packageCohort draws from datasets/simulate, an independent generator
// (linear learning, hints and scaffolding, learners of unequal length).
func packageCohort(t testing.TB, cfg dsim.Config) cohort {
	t.Helper()
	log, tr, err := dsim.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := cohort{log: log}
	for _, l := range tr.Learners {
		c.theta = append(c.theta, l.Theta)
		c.eps = append(c.eps, l.Elasticity)
	}
	byID := map[string]float64{}
	for _, it := range tr.Items {
		byID[it.ID] = it.Difficulty
	}
	for _, id := range log.Items.IDs() {
		b, ok := byID[id]
		if !ok {
			t.Fatalf("item %s not in the truth", id)
		}
		c.b = append(c.b, b)
		c.d = append(c.d, 0)
	}
	return c
}

// calibration is how fitted posteriors compare with the truth, as levels.
type calibration struct {
	iters                         int
	bias, cover, corr             [4]float64 // θ, ε, point of difficulty, ZAD edge
	meanEps, trueMeanEps, fitSecs float64
	hyper                         Hyper
	rates                         [nFeatures]float64
}

var calibNames = [4]string{"θ", "ε", "PoD", "ZAD edge"}

func (c calibration) String() string {
	s := fmt.Sprintf("%d iterations;", c.iters)
	for i, n := range calibNames {
		s += fmt.Sprintf(" %s bias %+.3f cover %.3f r %.3f;", n, c.bias[i], c.cover[i], c.corr[i])
	}
	return s + fmt.Sprintf(" μ_ε %.3f (truth %.3f)", c.meanEps, c.trueMeanEps)
}

// calibrate fits cfg on the cohort as Fit does, scores every learner's whole
// history with the Scorer, and measures bias, 90% interval coverage and
// correlation of θ, ε, point of difficulty and ZAD edge against the truth.
func calibrate(t testing.TB, c cohort, cfg Config) calibration {
	t.Helper()
	m, err := Fit(context.Background(), c.log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return measure(m, c, math.MaxInt)
}

// measure scores every learner of the cohort on their first n attempts.
func measure(m *Model, c cohort, n int) calibration {
	th, ep := c.identified()
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), c.log)
	lm, lr := numeric.Logit(m.p.Config.Mastery), numeric.Logit(m.p.Config.Reach)
	var h History
	var out calibration
	est := [4][]float64{}
	tru := [4][]float64{}
	const z90 = 1.6448536269514722
	nU := 0.0
	for u, rows := range c.log.Histories() {
		h.Reset()
		for _, r := range rows[:min(n, len(rows))] {
			res.Append(&h, int(r))
		}
		p := s.Score(&h)
		e := [4]Estimate{p.Ability, p.Elasticity, p.PointOfDifficulty, p.ZADEdge}
		tv := [4]float64{th[u], ep[u], th[u] + ep[u] - lr, th[u] - lm}
		for i := range e {
			out.bias[i] += e[i].Value - tv[i]
			if math.Abs(e[i].Value-tv[i]) <= z90*e[i].SD {
				out.cover[i]++
			}
			est[i] = append(est[i], e[i].Value)
			tru[i] = append(tru[i], tv[i])
		}
		out.trueMeanEps += ep[u]
		nU++
	}
	for i := range out.bias {
		out.bias[i] /= nU
		out.cover[i] /= nU
		out.corr[i] = pearson(est[i], tru[i])
	}
	out.trueMeanEps /= nU
	out.meanEps = m.p.Mean[1]
	if m.p.Fit != nil {
		out.iters = m.p.Fit.Iterations
		out.hyper = m.p.Fit.Trace[len(m.p.Fit.Trace)-1].Hyper
		out.rates = m.p.Rates
	}
	return out
}

// calibrationScenarios are cohorts of 1,000 learners × 100 attempts from two
// generators, with and without item support effects and learning.
func calibrationScenarios(t testing.TB) []struct {
	name string
	draw func(seed uint64) cohort
} {
	local := func(supportSD float64, gamma [3]float64) func(uint64) cohort {
		return func(seed uint64) cohort {
			sc := defaultSim()
			sc.Seed, sc.Learners, sc.Attempt, sc.SupportSD, sc.Gamma = seed, 1000, 100, supportSD, gamma
			return localCohort(sc)
		}
	}
	pkg := func(learning bool) func(uint64) cohort {
		return func(seed uint64) cohort {
			pc := dsim.DefaultConfig()
			pc.Seed, pc.Learners, pc.MinAttempts, pc.MaxAttempts, pc.Groups = seed, 1000, 100, 100, 0
			pc.Learning = learning
			return packageCohort(t, pc)
		}
	}
	return []struct {
		name string
		draw func(seed uint64) cohort
	}{
		{"local, item support effects, static", local(0.5, [3]float64{})},
		{"local, no item support effects, static", local(0, [3]float64{})},
		{"local, item support effects, learning", local(0.5, [3]float64{0.005, 0.02, 0.01})},
		{"datasets/simulate, learning", pkg(true)},
		{"datasets/simulate, static", pkg(false)},
	}
}

// TestCalibrationLevels: on the default settings the fitted posteriors are
// right as levels, not only in rank: pooled over two seeds, the mean error of
// θ, ε, the point of difficulty and the ZAD edge is within 0.05 logits of
// the truth, and their 90% intervals cover it 86–94% of the time (2,000
// learners: the coverage's standard error is 0.007).
func TestCalibrationLevels(t *testing.T) {
	seeds := []uint64{1, 2}
	for _, sc := range calibrationScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			var pooled calibration
			for _, seed := range seeds {
				c := calibrate(t, sc.draw(seed), DefaultConfig())
				t.Logf("seed %d: %v", seed, c)
				t.Logf("fitted population: %+v", c.hyper)
				for i := range pooled.bias {
					pooled.bias[i] += c.bias[i] / float64(len(seeds))
					pooled.cover[i] += c.cover[i] / float64(len(seeds))
				}
			}
			for i, name := range calibNames {
				if math.Abs(pooled.bias[i]) > 0.05 {
					t.Errorf("%s: mean bias %+.3f logits, want within ±0.05", name, pooled.bias[i])
				}
				if c := pooled.cover[i]; c < 0.86 || c > 0.94 {
					t.Errorf("%s: 90%% interval coverage %.3f, want 0.86–0.94", name, c)
				}
			}
		})
	}
}

// TestDefaultFitConverges: the default stopping rule ends at the optimum:
// a fit with tolerances a hundred and ten times tighter moves no population
// mean and no learner's ε by more than 0.01 logits on average, and the
// artifact says the default fit converged.
func TestDefaultFitConverges(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.SupportSD = 1000, 100, 0.5
	c := localCohort(sc)
	def, err := Fit(context.Background(), c.log, DefaultConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Tolerance, cfg.HyperTolerance, cfg.MaxIterations = 1e-7, 1e-3, 2000
	tight, err := Fit(context.Background(), c.log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := def.Params().Fit
	if r == nil || !r.Converged || r.Stop != "converged" || r.Iterations == 0 || r.Trace[len(r.Trace)-1].Iteration != r.Iterations {
		t.Fatalf("default fit report: %+v", r)
	}
	if !tight.Params().Fit.Converged {
		t.Fatalf("tight fit did not converge: %s", tight.Params().Fit.Stop)
	}
	t.Logf("default: %d iterations, tight: %d", r.Iterations, tight.Params().Fit.Iterations)
	for i, name := range []string{"μ_θ", "μ_ε"} {
		if d := math.Abs(def.Params().Mean[i] - tight.Params().Mean[i]); d > 0.01 {
			t.Errorf("%s moves %.4f logits under a tighter stopping rule", name, d)
		}
	}
	a, b := measure(def, c, math.MaxInt), measure(tight, c, math.MaxInt)
	for i, name := range calibNames {
		if d := math.Abs(a.bias[i] - b.bias[i]); d > 0.01 {
			t.Errorf("%s: mean moves %.4f logits under a tighter stopping rule", name, d)
		}
	}
}

// TestFitReportStops: the report says why a fit stopped, and a fit cut short
// says it did not converge.
func TestFitReportStops(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt = 200, 50
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.MaxIterations = 3
	m, err := Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := m.Params().Fit
	if r.Converged || r.Stop != "max_iterations" || r.Iterations != 3 || r.Warning() == "" {
		t.Errorf("cut-short fit: converged %v stop %q iterations %d warning %q", r.Converged, r.Stop, r.Iterations, r.Warning())
	}
	if r.Trace[len(r.Trace)-1].Objective == nil || r.GradientNorm <= 0 || r.Evaluations < r.Iterations {
		t.Errorf("report lacks the final objective, gradient or evaluations: %+v", r)
	}
	for i := 1; i < len(r.Trace); i++ {
		if r.Trace[i].Iteration <= r.Trace[i-1].Iteration {
			t.Errorf("trace iterations out of order: %d after %d", r.Trace[i].Iteration, r.Trace[i-1].Iteration)
		}
	}
	cfg = DefaultConfig()
	m, err = Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Params().Fit; !r.Converged || r.Warning() != "" || len(r.HyperChange) != 13 {
		t.Errorf("default fit: converged %v warning %q hyper changes %v", r.Converged, r.Warning(), r.HyperChange)
	}
}

// TestColdStartCalibration: scored on only their first n attempts, learners'
// intervals still cover the truth at about the stated rate (the prior does
// the work when the history is short), and the correlation with the truth
// grows with n. The table is in BENCHMARKS.md.
func TestColdStartCalibration(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.SupportSD, sc.Seed = 1000, 100, 0.5, 3
	c := localCohort(sc)
	m, err := Fit(context.Background(), c.log, DefaultConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	prev := -1.0
	t.Log("attempts | r(ε̂,ε) | bias ε | cover ε | bias θ | cover θ | bias PoD | cover PoD")
	for _, n := range []int{5, 10, 20, 50, 100} {
		r := measure(m, c, n)
		t.Logf("%d | %.3f | %+.3f | %.3f | %+.3f | %.3f | %+.3f | %.3f", n, r.corr[1], r.bias[1], r.cover[1], r.bias[0], r.cover[0], r.bias[2], r.cover[2])
		if r.corr[1] <= prev {
			t.Errorf("%d attempts: r(ε̂, ε) %.3f not above %.3f", n, r.corr[1], prev)
		}
		prev = r.corr[1]
		for i, name := range calibNames[:3] {
			if cv := r.cover[i]; cv < 0.85 || cv > 0.95 {
				t.Errorf("%d attempts: %s coverage %.3f", n, name, cv)
			}
			if math.Abs(r.bias[i]) > 0.06 {
				t.Errorf("%d attempts: %s bias %+.3f", n, name, r.bias[i])
			}
		}
	}
}
