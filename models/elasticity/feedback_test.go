package elasticity

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	dsim "github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/internal/numeric"
)

// feedbackTruth is a cohort's truth on the model's scale under the feedback
// stage: θ, ε (hints), φ (feedback), the combined effect ε_S and the point of
// difficulty, by log learner index.
type feedbackTruth struct {
	theta, eps, phi, combined, pod []float64
}

// feedbackScale centres the generator's item effects over the log's items
// (docs/models.md, "Scale"): θ − mean b, ε + mean d, φ + mean f. The
// combined effect and the point of difficulty average P(success with
// support) over the true items, which the centring leaves unchanged.
func feedbackScale(tr *simTruth, reach float64) feedbackTruth {
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	mb, md, mf := mean(tr.B), mean(tr.D), mean(tr.F)
	items := &bank{f: tr.F, d: tr.D}
	for range tr.F {
		items.w = append(items.w, 1/float64(len(tr.F)))
	}
	lr := numeric.Logit(reach)
	var out feedbackTruth
	for u := range tr.Theta {
		th, ep, ph := tr.Theta[u]-mb, tr.Eps[u]+md, tr.Phi[u]+mf
		p, _, _, _ := items.support(0, tr.Phi[u], tr.Eps[u])
		out.theta = append(out.theta, th)
		out.eps = append(out.eps, ep)
		out.phi = append(out.phi, ph)
		out.combined = append(out.combined, numeric.Logit(p))
		out.pod = append(out.pod, th-bisectReach(items, tr.Phi[u], tr.Eps[u], lr))
	}
	return out
}

// bisectReach solves logit P̄(u) = target for u by bisection (an
// independent check of bank.reachOffset's Newton iteration).
func bisectReach(b *bank, phi, eps, target float64) float64 {
	lo, hi := -60.0, 60.0
	for range 200 {
		mid := (lo + hi) / 2
		if p, _, _, _ := b.support(mid, phi, eps); numeric.Logit(p) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

var feedbackNames = [6]string{"θ", "ε (hints)", "φ (feedback)", "ε combined", "PoD", "ZAD edge"}

// feedbackLevels fits the feedback stage on the cohort and returns, for
// each quantity of feedbackNames, the mean error and the 90% interval
// coverage against the truth.
func feedbackLevels(t *testing.T, c cohort, tr feedbackTruth) (bias, cover [6]float64) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.FeedbackStage = true
	m, err := Fit(context.Background(), c.log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.p.Fit.Converged {
		t.Errorf("fit did not converge: %s after %d iterations", m.p.Fit.Stop, m.p.Fit.Iterations)
	}
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), c.log)
	lm := numeric.Logit(cfg.Mastery)
	var h History
	const z90 = 1.6448536269514722
	hist := c.log.Histories()
	for u, rows := range hist {
		res.History(&h, rows)
		p := s.Score(&h)
		est := [6]Estimate{p.Ability, p.Stages.Hints, p.Stages.Feedback, p.Elasticity, p.PointOfDifficulty, p.ZADEdge}
		truth := [6]float64{tr.theta[u], tr.eps[u], tr.phi[u], tr.combined[u], tr.pod[u], tr.theta[u] - lm}
		for i := range est {
			bias[i] += (est[i].Value - truth[i]) / float64(len(hist))
			if math.Abs(est[i].Value-truth[i]) <= z90*est[i].SD {
				cover[i] += 1 / float64(len(hist))
			}
		}
	}
	return bias, cover
}

// TestFeedbackCalibrationLevels: with the feedback stage on, on cohorts of
// 1,000 learners × 100 attempts drawn from its own story (two seeds pooled;
// with and without learning), θ, both stage effects, the combined
// elasticity, the point of difficulty and the ZAD edge are right as levels:
// mean error within 0.07 logits, 90% intervals covering 84–94%. The bounds
// are wider than the default model's (0.05, 86–94%) because they have to
// be: the hint stage sees only the attempts that failed alone and then
// failed with feedback (about 20 per learner here), and the Laplace EM puts
// its mean about 0.05 logits low (docs/models.md, "Help versus feedback").
func TestFeedbackCalibrationLevels(t *testing.T) {
	for _, tc := range []struct {
		name  string
		gamma [3]float64
	}{
		{"static", [3]float64{}},
		{"learning", [3]float64{0.005, 0.02, 0.01}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bias, cover [6]float64
			seeds := []uint64{1, 2}
			for _, seed := range seeds {
				sc := defaultSim()
				sc.Seed, sc.Learners, sc.Attempt, sc.SupportSD, sc.Gamma = seed, 1000, 100, 0.5, tc.gamma
				sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.3, 0.6, 0.5
				log, tr := simulate(sc)
				b, c := feedbackLevels(t, cohort{log: log}, feedbackScale(tr, DefaultConfig().Reach))
				t.Logf("seed %d: bias %s cover %s", seed, fmtVec(b), fmtVec(c))
				for i := range b {
					bias[i] += b[i] / float64(len(seeds))
					cover[i] += c[i] / float64(len(seeds))
				}
			}
			t.Logf("pooled: bias %s cover %s", fmtVec(bias), fmtVec(cover))
			for i, name := range feedbackNames {
				if math.Abs(bias[i]) > 0.07 {
					t.Errorf("%s: mean bias %+.3f logits, want within ±0.07", name, bias[i])
				}
				if cover[i] < 0.84 || cover[i] > 0.94 {
					t.Errorf("%s: 90%% interval coverage %.3f, want 0.84–0.94", name, cover[i])
				}
			}
		})
	}
}

func fmtVec(v [6]float64) string {
	s := ""
	for i, x := range v {
		s += fmt.Sprintf("%s %+.3f; ", feedbackNames[i], x)
	}
	return s
}

// TestFeedbackStageOtherGenerator: on a log from datasets/simulate, whose
// learners have one support effect and whose hint counts follow the
// difficulty gap rather than a feedback stage, the feedback stage's headline
// numbers stay close as levels: θ and the combined elasticity within 0.06
// logits with 90% intervals covering at least 80%. The point of difficulty
// is measured and bounded, not calibrated: this log breaks the stage story
// (a learner's chance of succeeding without a hint falls with the gap
// faster than any logistic stage), and the bank-average curve puts the
// point of difficulty 0.12 logits low with 77% coverage. docs/models.md
// reports it; the default model has no such gap.
func TestFeedbackStageOtherGenerator(t *testing.T) {
	pc := dsim.DefaultConfig()
	pc.Seed, pc.Learners, pc.MinAttempts, pc.MaxAttempts, pc.Groups = 1, 1000, 100, 100, 0
	c := packageCohort(t, pc)
	th, ep := c.identified()
	cfg := DefaultConfig()
	cfg.FeedbackStage = true
	m, err := Fit(context.Background(), c.log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), c.log)
	lr := numeric.Logit(cfg.Reach)
	var h History
	var bias, cover [3]float64
	hist := c.log.Histories()
	for u, rows := range hist {
		res.History(&h, rows)
		p := s.Score(&h)
		est := [3]Estimate{p.Ability, p.Elasticity, p.PointOfDifficulty}
		truth := [3]float64{th[u], ep[u], th[u] + ep[u] - lr}
		for i := range est {
			bias[i] += (est[i].Value - truth[i]) / float64(len(hist))
			if math.Abs(est[i].Value-truth[i]) <= 1.6448536269514722*est[i].SD {
				cover[i] += 1 / float64(len(hist))
			}
		}
	}
	for i, lim := range []struct {
		name           string
		bias, minCover float64
	}{{"θ", 0.06, 0.8}, {"ε combined", 0.06, 0.8}, {"PoD", 0.15, 0.72}} {
		t.Logf("%s: bias %+.3f cover %.3f", lim.name, bias[i], cover[i])
		if math.Abs(bias[i]) > lim.bias || cover[i] < lim.minCover || cover[i] > 0.97 {
			t.Errorf("%s: bias %+.3f, 90%% coverage %.3f: want |bias| ≤ %.2f and coverage %.2f–0.97", lim.name, bias[i], cover[i], lim.bias, lim.minCover)
		}
	}
}

// TestFeedbackScorerMode: the Scorer's (θ, ε, φ) is the posterior mode plus
// its skew shift (the log posterior's gradient vanishes at the mode), the
// point of difficulty solves P(success with support) = reach, and a
// parameter file round-trips with its version.
func TestFeedbackScorerMode(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt = 200, 60
	sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.3, 0.6, 0.5
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.FeedbackStage = true
	m, err := Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScorer(m)
	res := features.NewLogResolver(m.Index(), log)
	var h History
	for u, rows := range log.Histories()[:20] {
		res.History(&h, rows[:min(len(rows), 5+u*3)])
		p := s.Score(&h)
		mode, _, _ := s.newton3()
		g, _, _ := s.gradHess3(mode)
		mu := [3]float64{m.p.Mean[0], m.p.Mean[1], m.p.Feedback.Mean}
		for i := range g {
			for j := range g {
				g[i] -= m.prec3[i][j] * (mode[j] - mu[j])
			}
			if math.Abs(g[i]) > 1e-6 {
				t.Errorf("learner %d: log-posterior gradient %v at the mode", u, g)
			}
		}
		// the reported ε_S and point of difficulty are posterior means:
		// compare the unscented transform with Monte Carlo over N(x, C)
		if u < 5 {
			mcE, mcP := monteCarlo3(m, p.x3, p.c3, uint64(u))
			if math.Abs(mcE-p.Elasticity.Value) > 0.01 || math.Abs(mcP-p.PointOfDifficulty.Value) > 0.01 {
				t.Errorf("learner %d: elasticity %.4f, point of difficulty %.4f; Monte Carlo %.4f, %.4f",
					u, p.Elasticity.Value, p.PointOfDifficulty.Value, mcE, mcP)
			}
		}
	}
	// the bank's nodes average P(success with support) as every item does,
	// and reachOffset solves P̄ = reach
	items := &bank{f: m.p.Feedback.ItemEffect, d: m.p.SupportEffect}
	for range items.f {
		items.w = append(items.w, 1/float64(len(items.f)))
	}
	for _, c := range [][3]float64{{0, 0.3, 1}, {-2, -1, 0.5}, {1.5, 0.8, -0.4}, {3, 2, 2}} {
		got, _, _, _ := m.bank.support(c[0], c[1], c[2])
		want, _, _, _ := items.support(c[0], c[1], c[2])
		if math.Abs(got-want) > 0.003 {
			t.Errorf("bank average at %v: nodes %.4f, every item %.4f", c, got, want)
		}
		lr := numeric.Logit(cfg.Reach)
		u := m.bank.reachOffset(c[1], c[2], lr, 0)
		if pr, _, _, _ := m.bank.support(u, c[1], c[2]); math.Abs(numeric.Logit(pr)-lr) > 1e-9 {
			t.Errorf("reachOffset(%v) = %v where P̄ = %v, want %v", c, u, pr, cfg.Reach)
		}
	}
	b, err := m.MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil || raw["format_version"] != float64(FormatVersionFeedback) || raw["feedback"] == nil {
		t.Fatalf("parameter file: version %v feedback %v (%v)", raw["format_version"], raw["feedback"] != nil, err)
	}
	back, err := Family{}.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	res.History(&h, log.Histories()[0])
	if a, b := s.Score(&h), NewScorer(back.(*Model)).Score(&h); a.Elasticity != b.Elasticity || a.PointOfDifficulty != b.PointOfDifficulty {
		t.Errorf("round trip changes the score: %+v vs %+v", a.Elasticity, b.Elasticity)
	}
	// a version-1 file cannot carry the feedback stage, nor the reverse
	raw["format_version"] = float64(FormatVersion)
	b1, _ := json.Marshal(raw)
	if _, err := (Family{}).Unmarshal(b1); err == nil {
		t.Error("a version 1 file with feedback parameters was accepted")
	}
}

// monteCarlo3 returns the mean over draws from N(x, c) of the combined
// support effect and the point of difficulty, computed node by node.
func monteCarlo3(m *Model, x [3]float64, c [3][3]float64, seed uint64) (eS, pod float64) {
	pts, _ := sigmaPoints([3]float64{}, c) // pts[1+i] = √3 × column i of the Cholesky factor
	rng := rand.New(rand.NewPCG(seed, 11))
	lr := m.logitReach
	const draws = 20000
	for range draws {
		z := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		var d [3]float64
		for k := range d {
			d[k] = x[k]
			for i := range z {
				d[k] += z[i] * pts[1+i][k] / math.Sqrt(3)
			}
		}
		pr, _, _, _ := m.bank.support(0, d[2], d[1])
		e := math.Log(pr / (1 - pr))
		eS += e / draws
		pod += (d[0] - m.bank.reachOffset(d[2], d[1], lr, lr-e)) / draws
	}
	return eS, pod
}
