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
// feedback stage.
func (m *Model) precision3() [3][3]float64 { return numeric.Inverse3(m.p.Feedback.Cov) }

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
// support effect ε_S = logit P̄(0): P̄(u) is P(success with support | failed
// alone) averaged over the item bank at u = θ − b, so ε_S is what support
// adds, on the bank's items, at the learner's own level (it is ε with one
// stage and uniform items). The point of difficulty is θ − u with P̄(u) =
// reach. Both are nonlinear in (ε, φ), so their posterior means and
// covariances with θ come from the unscented transform of the posterior of
// (θ, ε, φ) (seven sigma points) rather than from the plug-in value, which
// is biased by the curvature.
func (s *Scorer) derive3(x [3]float64, c [3][3]float64, n int) Posterior {
	bk := s.m.bank
	lr := s.m.logitReach
	pts, ok := sigmaPoints(x, c)
	if !ok { // not positive definite: the plug-in value alone
		pts = [7][3]float64{x, x, x, x, x, x, x}
	}
	var eS, pod, width [7]float64
	for i, p := range pts {
		pr, _, _, _ := bk.support(0, p[2], p[1])
		eS[i] = math.Log(pr / (1 - pr))
		u := bk.reachOffset(p[2], p[1], lr, lr-eS[i])
		pod[i] = p[0] - u
		width[i] = pod[i] - (p[0] - s.m.logitMastery)
	}
	mE, mP, mW := utMean(&eS), utMean(&pod), utMean(&width)
	var th [7]float64
	for i, p := range pts {
		th[i] = p[0]
	}
	vE := utCov(&eS, &eS, mE, mE)
	cov := [2][2]float64{{c[0][0], utCov(&th, &eS, x[0], mE)}, {0, vE}}
	cov[1][0] = cov[0][1]
	sdT := math.Sqrt(c[0][0])
	zad := x[0] - s.m.logitMastery
	return Posterior{
		Attempts:          n,
		Ability:           Estimate{x[0], sdT},
		Elasticity:        Estimate{mE, math.Sqrt(vE)},
		Cov:               cov,
		ZADEdge:           Estimate{zad, sdT},
		PointOfDifficulty: Estimate{mP, math.Sqrt(utCov(&pod, &pod, mP, mP))},
		ZPD:               Band{zad, mP},
		ZPDWidth:          Estimate{mW, math.Sqrt(utCov(&width, &width, mW, mW))},
		PSupportHelps:     above(mE, 0, vE),
		Stages: StageEffects{
			Feedback: Estimate{x[2], math.Sqrt(c[2][2])},
			Hints:    Estimate{x[1], math.Sqrt(c[1][1])},
		},
		x3: x, c3: c, bank: bk,
	}
}

// sigmaPoints returns the unscented transform's points x ± √3·Lᵢ (L the
// Cholesky factor of c, columns i), after x itself, whose weights are 0 and
// 1/6 (κ = 0): the weighted mean and covariance of any quadratic function of
// them are exact. ok is false when c is not positive definite.
func sigmaPoints(x [3]float64, c [3][3]float64) (pts [7][3]float64, ok bool) {
	var l [3][3]float64
	for i := range 3 {
		for j := 0; j <= i; j++ {
			s := c[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if !(s > 0) {
					return pts, false
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	pts[0] = x
	for i := range 3 {
		for k := range 3 {
			pts[1+i][k] = x[k] + math.Sqrt(3)*l[k][i]
			pts[4+i][k] = x[k] - math.Sqrt(3)*l[k][i]
		}
	}
	return pts, true
}

// utMean is the unscented mean of values at sigmaPoints.
func utMean(v *[7]float64) float64 {
	m := 0.0
	for _, x := range v[1:] {
		m += x / 6
	}
	return m
}

// utCov is the unscented covariance of two functions' values at
// sigmaPoints, about their means ma and mb.
func utCov(a, b *[7]float64, ma, mb float64) float64 {
	c := 0.0
	for i := 1; i < 7; i++ {
		c += (a[i] - ma) * (b[i] - mb) / 6
	}
	return c
}

// readinessBank forecasts, under the feedback stage, an item whose support
// effects are unknown (a platform-supplied difficulty, or an unseen item
// with no known skill): the stage probabilities are averaged over the
// bank's nodes, each by the probit approximation, with extra logit
// variance for the unknown difficulty; p_reach uses the delta-method
// variance of the averaged logit.
func readinessBank(post *Posterior, b, extra float64, z ZoneRule) Readiness {
	x, c, bk := post.x3, &post.c3, post.bank
	v1 := c[0][0] + extra
	kH := probitScale(quad([3]float64{1, 1, 0}, c) + extra)
	kF := probitScale(quad([3]float64{1, 0, 1}, c) + extra)
	eta1 := x[0] - b
	p1 := sigmoid(eta1 * probitScale(v1))
	pS := 0.0
	for k, w := range bk.w {
		pF := sigmoid(kF * (eta1 + x[2] + bk.f[k]))
		pH := sigmoid(kH * (eta1 + x[1] + bk.d[k]))
		pS += w * (pF + (1-pF)*pH)
	}
	pm, dPhi, dEps, dU := bk.support(eta1, x[2], x[1])
	vm := pm * (1 - pm)
	vS := quad([3]float64{dU / vm, dEps / vm, dPhi / vm}, c) + (dU/vm)*(dU/vm)*extra
	lm, lr := z.thresholds()
	r := Readiness{
		Difficulty:  b,
		Independent: Estimate{p1, p1 * (1 - p1) * math.Sqrt(v1)},
		Supported:   Estimate{pS, pS * (1 - pS) * math.Sqrt(vS)},
		PMastered:   above(eta1, lm, v1),
		PReach:      above(math.Log(pm/(1-pm)), lr, vS),
	}
	r.Zone = z.zone(r.PMastered, r.PReach)
	return r
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
	lm, lr := z.thresholds()
	r := Readiness{
		Difficulty:  b,
		Independent: Estimate{p1, p1 * (1 - p1) * math.Sqrt(v1)},
		Supported:   Estimate{pS, pS * (1 - pS) * math.Sqrt(vS)},
		PMastered:   above(eta1, lm, v1),
		PReach:      above(etaS, lr, vS),
	}
	r.Zone = z.zone(r.PMastered, r.PReach)
	return r
}
