package elasticity

import (
	"math"

	"github.com/zpd-project/zpd/internal/numeric"
)

// The feedback stage (Config.FeedbackStage) splits the support stage in
// two: after failing alone, a learner first retries with feedback only
// (stage F, learner effect φ, item effect f_j); only if that fails do they
// take hints (stage H, learner effect ε, item effect d_j). This file holds
// the Scorer's side of it; docs/models.md ("Help versus feedback") has the
// equations.

// StageEffects are a learner's two support effects under the feedback
// stage, in logits on an average item: what feedback and a retry add
// (Feedback, φ) and what hints add for those whom feedback did not get there
// (Hints, ε). Posterior.Elasticity is then their combination.
type StageEffects struct {
	Feedback Estimate `json:"feedback"`
	Hints    Estimate `json:"hints"`
}

// FeedbackItemParams returns item j's feedback effect f_j, or for an item
// the model never saw the mean of its skills' ζ_k (0 with no skill). It is
// 0 for a model without the feedback stage.
func (m *Model) FeedbackItemParams(j int32, skills []int32) float64 {
	f := m.p.Feedback
	if f == nil {
		return 0
	}
	if j != NoItem {
		return f.ItemEffect[j]
	}
	if len(skills) == 0 {
		return 0
	}
	z := 0.0
	for _, k := range skills {
		z += f.SkillEffect[k]
	}
	return z / float64(len(skills))
}

// precision3 returns the prior precision of (θ, ε, φ) of a model with the
// feedback stage: φ is independent of (θ, ε) a priori.
func (m *Model) precision3() [3][3]float64 {
	p := m.prec
	return [3][3]float64{{p[0][0], p[0][1], 0}, {p[1][0], p[1][1], 0}, {0, 0, 1 / (m.p.Feedback.SD * m.p.Feedback.SD)}}
}

// newton3 is newton for (θ, ε, φ): the mode, the posterior mean (mode plus
// skewShift3) and the Laplace covariance.
func (s *Scorer) newton3() (x, mean [3]float64, cov [3][3]float64) {
	mu := [3]float64{s.m.p.Mean[0], s.m.p.Mean[1], s.m.p.Feedback.Mean}
	prec := s.m.prec3
	x = mu
	for it := 0; it < s.m.p.Config.NewtonSteps; it++ {
		g, h, _ := s.gradHess3(x)
		for i := range g {
			for j := range g {
				g[i] -= prec[i][j] * (x[j] - mu[j])
				h[i][j] += prec[i][j]
			}
		}
		inv := numeric.Inverse3(h)
		var d [3]float64
		big := 0.0
		for i := range d {
			for j := range g {
				d[i] += inv[i][j] * g[j]
			}
			big = math.Max(big, math.Abs(d[i]))
		}
		scale := 1.0
		if big > maxNewtonStep {
			scale = maxNewtonStep / big
		}
		for i := range x {
			x[i] += scale * d[i]
		}
		if big < newtonTol {
			break
		}
	}
	_, h, c := s.gradHess3(x)
	cov, k := skewShift3(h, c, prec)
	return x, [3]float64{x[0] + k[0], x[1] + k[1], x[2] + k[2]}, cov
}

// gradHess3 returns the gradient and negative Hessian of the history's log
// likelihood at x = (θ, ε, φ), and the sums by stage (alone, hints,
// feedback) of p(1−p)(1−2p).
func (s *Scorer) gradHess3(x [3]float64) (g [3]float64, h [3][3]float64, c [3]float64) {
	for t, o := range s.out {
		p1 := sigmoid(x[0] + s.o1[t])
		w1 := p1 * (1 - p1)
		c[0] += w1 * (1 - 2*p1)
		h[0][0] += w1
		if o == IndependentSuccess {
			g[0] += 1 - p1
			continue
		}
		g[0] -= p1
		pF := sigmoid(x[0] + x[2] + s.o3[t])
		wF := pF * (1 - pF)
		c[2] += wF * (1 - 2*pF)
		rF := -pF
		feedback := o == SupportedSuccess && !s.hinted[t]
		if feedback {
			rF = 1 - pF
		}
		g[0] += rF
		g[2] += rF
		h[0][0] += wF
		h[0][2] += wF
		h[2][2] += wF
		if feedback {
			continue
		}
		p2 := sigmoid(x[0] + x[1] + s.o2[t])
		w2 := p2 * (1 - p2)
		c[1] += w2 * (1 - 2*p2)
		r2 := -p2
		if o == SupportedSuccess {
			r2 = 1 - p2
		}
		g[0] += r2
		g[1] += r2
		h[0][0] += w2
		h[0][1] += w2
		h[1][1] += w2
	}
	h[1][0], h[2][0] = h[0][1], h[0][2]
	return g, h, c
}

// combined returns the logit of P(success with support | failed alone)
// when feedback reaches the answer with logit a and hints with logit b:
// logit(1 − (1−σ(a))(1−σ(b))), with its derivatives in a and b.
func combined(a, b float64) (eta, da, db float64) {
	qa, qb := sigmoid(-a), sigmoid(-b) // 1 − σ
	q := qa * qb
	eta = math.Log1p(-q) - math.Log(q)
	da, db = (1-qa)/(1-q), (1-qb)/(1-q)
	return eta, da, db
}

// quad returns jᵀ C j.
func quad(j [3]float64, c *[3][3]float64) float64 {
	v := 0.0
	for a := range j {
		for b := range j {
			v += j[a] * c[a][b] * j[b]
		}
	}
	return math.Max(v, 0)
}

// derive3 is derive under the feedback stage. Elasticity is the combined
// support effect ε_S = logit(1 − (1−σ(φ))(1−σ(ε))): what support adds on an
// average item at the learner's own level (it equals ε with one stage);
// Cov is the covariance of (θ, ε_S) and the point of difficulty solves
// P(success with support) = reach (docs/models.md), each SD by the delta
// method.
func (s *Scorer) derive3(x [3]float64, c [3][3]float64, n int) Posterior {
	eS, dF, dH := combined(x[2], x[1])
	jS := [3]float64{0, dH, dF}
	cov := [2][2]float64{{c[0][0], dH*c[0][1] + dF*c[0][2]}, {0, quad(jS, &c)}}
	cov[1][0] = cov[0][1]
	// point of difficulty: u = θ − b with combined(u+φ, u+ε) = logit(reach),
	// increasing in u; Newton from the one-stage answer
	u := s.m.logitReach - eS
	for it := 0; it < 50; it++ {
		eta, da, db := combined(u+x[2], u+x[1])
		step := (eta - s.m.logitReach) / (da + db)
		u -= step
		if math.Abs(step) < 1e-12 {
			break
		}
	}
	_, da, db := combined(u+x[2], u+x[1])
	wF, wH := da/(da+db), db/(da+db)
	jPod := [3]float64{1, wH, wF}
	jWidth := [3]float64{0, wH, wF}
	sdT := math.Sqrt(c[0][0])
	zad := x[0] - s.m.logitMastery
	pod := x[0] - u
	post := Posterior{
		Attempts:          n,
		Ability:           Estimate{x[0], sdT},
		Elasticity:        Estimate{eS, math.Sqrt(cov[1][1])},
		Cov:               cov,
		ZADEdge:           Estimate{zad, sdT},
		PointOfDifficulty: Estimate{pod, math.Sqrt(quad(jPod, &c))},
		ZPD:               Band{zad, pod},
		ZPDWidth:          Estimate{pod - zad, math.Sqrt(quad(jWidth, &c))},
		PSupportHelps:     above(eS, 0, cov[1][1]),
		Stages: StageEffects{
			Feedback: Estimate{x[2], math.Sqrt(c[2][2])},
			Hints:    Estimate{x[1], math.Sqrt(c[1][1])},
		},
		x3: x, c3: c, three: true,
	}
	return post
}

// readiness3 is readiness under the feedback stage: b the effective
// difficulty, d and f the item's hint and feedback effects, extra1, extraH
// and extraF the unseen-item variances of the three stages' predictors.
// P(success with support) = pF + (1 − pF)·pH, each stage averaged over the
// posterior by the probit approximation; its SD and p_reach use the
// delta-method variance of the combined logit.
func readiness3(post *Posterior, b, d, f, extra1, extraH, extraF float64, z ZoneRule) Readiness {
	x, c := post.x3, &post.c3
	v1 := c[0][0] + extra1
	vH := quad([3]float64{1, 1, 0}, c) + extraH
	vF := quad([3]float64{1, 0, 1}, c) + extraF
	eta1 := x[0] - b
	etaH, etaF := eta1+x[1]+d, eta1+x[2]+f
	p1 := sigmoid(eta1 * probitScale(v1))
	pH := sigmoid(etaH * probitScale(vH))
	pF := sigmoid(etaF * probitScale(vF))
	pS := pF + (1-pF)*pH
	etaS, dF, dH := combined(etaF, etaH)
	// the unseen item's variance enters each stage as it does alone: the
	// difficulty through both, the stage effects through their own
	vS := quad([3]float64{dF + dH, dH, dF}, c) + dH*dH*(extraH-extra1) + dF*dF*(extraF-extra1) + (dF+dH)*(dF+dH)*extra1
	r := Readiness{
		Difficulty:  b,
		Independent: Estimate{p1, p1 * (1 - p1) * math.Sqrt(v1)},
		Supported:   Estimate{pS, pS * (1 - pS) * math.Sqrt(vS)},
		PMastered:   above(eta1, numeric.Logit(z.Mastery), v1),
		PReach:      above(etaS, numeric.Logit(z.Reach), vS),
	}
	r.Zone = z.zone(r.PMastered, r.PReach)
	return r
}
