package elasticity

import (
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"sync"
)

// layout places every fitted parameter in one vector x. Learner effects
// come first so that workers, which split the learners, write disjoint parts
// of the gradient; the rest ("shared") is summed over workers.
//
//	x[2u], x[2u+1]                       θ_u, ε_u
//	x[phi+u]                             φ_u (feedback stage only)
//	x[items+2j], x[items+2j+1]           b_j, d_j
//	x[skills+2k], x[skills+2k+1]         β_k, δ_k
//	x[skillRates+nFeatures·k+c]          γ_kc (deviation from γ_c)
//	x[rates+c]                           γ_c
//	x[mean], x[mean+1]                   μ_θ, μ_ε
//	x[fItems+j], x[fSkills+k], x[fMean]  f_j, ζ_k, μ_φ (feedback stage only)
//
// Without the feedback stage phi, fItems, fSkills and fMean are −1.
type layout struct {
	shared, items, skills, skillRates, rates, mean, n int
	phi, fItems, fSkills, fMean                       int
}

func newLayout(nLearners, nItems, nSkills int, feedback bool) layout {
	l := layout{phi: -1, fItems: -1, fSkills: -1, fMean: -1}
	l.shared = 2 * nLearners
	if feedback {
		l.phi = l.shared
		l.shared += nLearners
	}
	l.items = l.shared
	l.skills = l.items + 2*nItems
	l.skillRates = l.skills + 2*nSkills
	l.rates = l.skillRates + nFeatures*nSkills
	l.mean = l.rates + nFeatures
	l.n = l.mean + 2
	if feedback {
		l.fItems = l.n
		l.fSkills = l.fItems + nItems
		l.fMean = l.fSkills + nSkills
		l.n = l.fMean + 1
	}
	return l
}

// feedback reports whether the layout has the feedback stage.
func (l layout) feedback() bool { return l.phi >= 0 }

// hyper are the prior (population) variances, re-estimated as the fit goes.
type hyper struct {
	prec             [2][2]float64 // inverse covariance of (θ, ε)
	cov              [2][2]float64
	varB, varD       float64 // items around their skill means
	varBeta, varDelt float64 // skill means around 0
	varRate          [nFeatures]float64
	// feedback stage: the population covariance of (θ, ε, φ) and its
	// inverse (cov and prec are then its (θ, ε) block and that block's
	// inverse), items' f_j around their skill means, skill means ζ_k
	// around 0
	cov3, p3      [3][3]float64
	varF, varZeta float64
}

// setCov3 sets the feedback stage's population covariance of (θ, ε, φ).
func (h *hyper) setCov3(c [3][3]float64) {
	h.cov3, h.p3 = c, numeric.Inverse3(c)
	h.cov = [2][2]float64{{c[0][0], c[0][1]}, {c[1][0], c[1][1]}}
	h.prec = numeric.Inverse2(h.cov)
}

// flatPrec is the precision of the nearly flat priors on global rates and
// population means (keeps the problem strictly convex).
const flatPrec = 1e-6

// objective is the negative log posterior of all effects given the
// hyperparameters. Its likelihood part is evaluated in parallel over
// learner chunks, and every evaluation also leaves the diagonal blocks of
// the likelihood Hessian (curvature) at that point: the empirical-Bayes step
// and the preconditioner read them without another pass over the data.
type objective struct {
	d   *design
	lay layout
	cfg Config
	hyp hyper

	chunks [][2]int    // learner range of each worker
	bufs   [][]float64 // per-worker gradient of the shared parameters
	curvs  [][]float64 // per-worker curvature of the shared parameters
	nll    []float64

	ucurv [][3]float64 // per learner: likelihood Hessian (θθ, θε, εε)
	uskew [][2]float64 // per learner: third derivatives by stage (see skewShift)
	// feedback stage, per learner: the likelihood curvature of its stage
	// (θθ, θφ and φφ all gain the same Σ w) and the sum of its third
	// derivatives
	fcurv, fskew []float64
	// kappa is each learner's posterior mean minus posterior mode (skewShift),
	// refreshed once per iteration: the population mean is the mean of the
	// learners' posterior means, not of their modes.
	kappa  [][2]float64
	fkappa []float64 // the same for φ (feedback stage only)
	shCurv []float64 // diagonal likelihood Hessian of the shared parameters
	evals  int       // likelihood evaluations so far
}

func newObjective(d *design, cfg Config, threads int) *objective {
	lay := newLayout(d.learners(), d.nItems, d.nSkills, cfg.FeedbackStage)
	o := &objective{d: d, lay: lay, cfg: cfg, ucurv: make([][3]float64, d.learners()),
		uskew: make([][2]float64, d.learners()), kappa: make([][2]float64, d.learners()),
		shCurv: make([]float64, lay.n-lay.shared)}
	if lay.feedback() {
		o.fcurv, o.fskew = make([]float64, d.learners()), make([]float64, d.learners())
		o.fkappa = make([]float64, d.learners())
	}
	o.chunks = splitLearners(d, max(threads, 1))
	o.nll = make([]float64, len(o.chunks))
	for range o.chunks {
		o.bufs = append(o.bufs, make([]float64, lay.n-lay.shared))
		o.curvs = append(o.curvs, make([]float64, lay.n-lay.shared))
	}
	return o
}

// splitLearners cuts learners into contiguous chunks of about equal rows.
func splitLearners(d *design, threads int) [][2]int {
	n := d.learners()
	per := (d.rows() + threads - 1) / threads
	var chunks [][2]int
	lo := 0
	for u := 0; u < n; u++ {
		if int(d.learnerStart[u+1])-int(d.learnerStart[lo]) >= per || u == n-1 {
			chunks = append(chunks, [2]int{lo, u + 1})
			lo = u + 1
		}
	}
	if len(chunks) == 0 {
		chunks = append(chunks, [2]int{0, 0})
	}
	return chunks
}

// eval writes the gradient of the negative log posterior at x into g and
// returns its value.
func (o *objective) eval(x, g []float64) float64 {
	f := o.likelihood(x, g, true, true)
	f += o.prior(x, g)
	o.mask(g)
	return f
}

// likelihood writes the gradient of the negative log likelihood at x into g
// (every component) and the curvature into o.ucurv and o.shCurv. It returns
// the negative log likelihood when withValue, else 0 (the optimiser's line
// search needs only gradients, which saves a logarithm per stage). The
// curvature of the learning rates costs as much as their gradient and only
// scales the preconditioner and the variance step, so it is refreshed only
// when rateCurv (o.shCurv keeps the previous values otherwise).
func (o *objective) likelihood(x, g []float64, withValue, rateCurv bool) float64 {
	o.evals++
	var wg sync.WaitGroup
	for w := range o.chunks {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			o.nll[w] = o.work(w, x, g, withValue, rateCurv)
		}(w)
	}
	wg.Wait()
	f := 0.0
	sh := g[o.lay.shared:]
	lo, hi := o.lay.skillRates-o.lay.shared, o.lay.mean-o.lay.shared // learning-rate block
	copy(sh, o.bufs[0])
	copy(o.shCurv[:lo], o.curvs[0][:lo])
	copy(o.shCurv[hi:], o.curvs[0][hi:])
	if rateCurv {
		copy(o.shCurv[lo:hi], o.curvs[0][lo:hi])
	}
	f += o.nll[0]
	for w := 1; w < len(o.chunks); w++ {
		f += o.nll[w]
		axpy(1, o.bufs[w], sh)
		axpy(1, o.curvs[w][:lo], o.shCurv[:lo])
		axpy(1, o.curvs[w][hi:], o.shCurv[hi:])
		if rateCurv {
			axpy(1, o.curvs[w][lo:hi], o.shCurv[lo:hi])
		}
	}
	return f
}

// logistic returns σ(η) and, when withValue, softplus(η) = log(1+e^η), from
// one exp.
func logistic(eta float64, withValue bool) (p, sp float64) {
	e := expNeg(-math.Abs(eta))
	if eta >= 0 {
		p = 1 / (1 + e)
		if withValue {
			sp = eta + math.Log1p(e)
		}
		return p, sp
	}
	p = e / (1 + e)
	if withValue {
		sp = math.Log1p(e)
	}
	return p, sp
}

// work accumulates the likelihood terms of worker w's learners: learner
// gradients and curvature straight into g and o.ucurv, shared ones into the
// worker's buffers.
func (o *objective) work(w int, x, g []float64, withValue, rateCurv bool) float64 {
	d, lay := o.d, o.lay
	buf, cbuf := o.bufs[w], o.curvs[w]
	clear(buf)
	if rateCurv {
		clear(cbuf)
	} else {
		clear(cbuf[:lay.skillRates-lay.shared])
		clear(cbuf[lay.mean-lay.shared:])
	}
	sh := lay.shared
	learning, skillLearning := o.cfg.Learning, o.cfg.Learning && o.cfg.SkillLearning
	rates := x[lay.rates : lay.rates+nFeatures]
	gr := buf[lay.rates-sh : lay.rates-sh+nFeatures]
	cr := cbuf[lay.rates-sh : lay.rates-sh+nFeatures]
	nll := 0.0
	for u := o.chunks[w][0]; u < o.chunks[w][1]; u++ {
		th, ep := x[2*u], x[2*u+1]
		var gt, ge, htt, hee, k1, k2 float64
		var phi, gp, hpp, kf float64 // feedback stage
		fb := lay.feedback()
		if fb {
			phi = x[lay.phi+u]
		}
		for r := d.learnerStart[u]; r < d.learnerStart[u+1]; r++ {
			bj := lay.items + 2*int(d.item[r])
			e0, e1 := d.entStart[r], d.entStart[r+1]
			l := 0.0
			if learning && e1 > e0 {
				for e := e0; e < e1; e++ {
					f := &d.entF[e]
					sr := x[lay.skillRates+nFeatures*int(d.entSkill[e]):][:nFeatures]
					for c, v := range f {
						l += (rates[c] + sr[c]) * float64(v)
					}
				}
				l /= float64(e1 - e0)
			}
			eta1 := th + l - x[bj]
			p1, sp1 := logistic(eta1, withValue)
			w1 := p1 * (1 - p1)
			k1 += w1 * (1 - 2*p1)
			var rs, wAll float64
			if d.out[r] == IndependentSuccess {
				nll += sp1 - eta1
				rs, wAll = p1-1, w1
			} else {
				nll += sp1
				rs, wAll = p1, w1
				if fb {
					fj := lay.fItems + int(d.item[r])
					etaF := eta1 + phi + x[fj]
					pF, spF := logistic(etaF, withValue)
					wF := pF * (1 - pF)
					kf += wF * (1 - 2*pF)
					rF := pF
					if d.feedbackSuccess(r) {
						nll += spF - etaF
						rF = pF - 1
					} else {
						nll += spF
					}
					gp += rF
					hpp += wF
					buf[fj-sh] += rF
					cbuf[fj-sh] += wF
					rs, wAll = rs+rF, wAll+wF
				}
				if !fb || !d.feedbackSuccess(r) { // the hint stage
					eta2 := eta1 + ep + x[bj+1]
					p2, sp2 := logistic(eta2, withValue)
					w2 := p2 * (1 - p2)
					k2 += w2 * (1 - 2*p2)
					r2 := p2
					if d.out[r] == SupportedSuccess {
						nll += sp2 - eta2
						r2 = p2 - 1
					} else {
						nll += sp2
					}
					ge += r2
					hee += w2
					buf[bj+1-sh] += r2
					cbuf[bj+1-sh] += w2
					rs, wAll = rs+r2, wAll+w2
				}
			}
			gt += rs
			htt += wAll
			buf[bj-sh] -= rs
			cbuf[bj-sh] += wAll
			if learning && e1 > e0 {
				inv := 1 / float64(e1-e0)
				wt, ct := rs*inv, wAll*inv*inv
				for e := e0; e < e1; e++ {
					f := &d.entF[e]
					kr := lay.skillRates + nFeatures*int(d.entSkill[e]) - sh
					sg := buf[kr:][:nFeatures]
					for c, v := range f {
						gc := wt * float64(v)
						gr[c] += gc
						if skillLearning {
							sg[c] += gc
						}
					}
					if rateCurv {
						sc := cbuf[kr:][:nFeatures]
						for c, v := range f {
							cc := ct * float64(v) * float64(v)
							cr[c] += cc
							if skillLearning {
								sc[c] += cc
							}
						}
					}
				}
			}
		}
		g[2*u] = gt
		g[2*u+1] = ge
		o.ucurv[u] = [3]float64{htt, hee, hee}
		o.uskew[u] = [2]float64{k1, k2}
		if fb {
			g[lay.phi+u] = gp
			o.fcurv[u], o.fskew[u] = hpp, kf
		}
	}
	return nll
}

// prior adds the prior terms' gradient to g and returns their value.
func (o *objective) prior(x, g []float64) float64 {
	lay, h, d := o.lay, &o.hyp, o.d
	f := 0.0
	mu := x[lay.mean : lay.mean+2]
	var gmu [2]float64
	for u := 0; u < d.learners() && !lay.feedback(); u++ {
		a, b := x[2*u]-mu[0], x[2*u+1]-mu[1]
		pa := h.prec[0][0]*a + h.prec[0][1]*b
		pb := h.prec[1][0]*a + h.prec[1][1]*b
		f += 0.5 * (a*pa + b*pb)
		g[2*u] += pa
		g[2*u+1] += pb
		// μ moves toward the posterior means x_u + κ_u (see kappa)
		k := o.kappa[u]
		gmu[0] -= pa + h.prec[0][0]*k[0] + h.prec[0][1]*k[1]
		gmu[1] -= pb + h.prec[1][0]*k[0] + h.prec[1][1]*k[1]
	}
	for j := 0; j < d.nItems; j++ {
		sk := d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]]
		bBar, dBar := skillMeans(x, lay, sk)
		rb := x[lay.items+2*j] - bBar
		rd := x[lay.items+2*j+1] - dBar
		f += 0.5 * (rb*rb/h.varB + rd*rd/h.varD)
		gb, gd := rb/h.varB, rd/h.varD
		g[lay.items+2*j] += gb
		g[lay.items+2*j+1] += gd
		for _, k := range sk {
			g[lay.skills+2*int(k)] -= gb / float64(len(sk))
			g[lay.skills+2*int(k)+1] -= gd / float64(len(sk))
		}
	}
	for k := 0; k < d.nSkills; k++ {
		b, dl := x[lay.skills+2*k], x[lay.skills+2*k+1]
		f += 0.5 * (b*b/h.varBeta + dl*dl/h.varDelt)
		g[lay.skills+2*k] += b / h.varBeta
		g[lay.skills+2*k+1] += dl / h.varDelt
		for c := 0; c < nFeatures; c++ {
			v := x[lay.skillRates+nFeatures*k+c]
			f += 0.5 * v * v / h.varRate[c]
			g[lay.skillRates+nFeatures*k+c] += v / h.varRate[c]
		}
	}
	for i := lay.rates; i < lay.mean+2; i++ {
		f += 0.5 * flatPrec * x[i] * x[i]
		g[i] += flatPrec * x[i]
	}
	g[lay.mean] += gmu[0]
	g[lay.mean+1] += gmu[1]
	if lay.feedback() {
		f += o.feedbackPrior(x, g)
	}
	return f
}

// feedbackPrior adds the feedback stage's prior terms: (θ_u, ε_u, φ_u) ~
// N(μ, Σ₃), f_j ~ N(ζ̄_j, σ_f²), ζ_k ~ N(0, σ_ζ²), and the flat prior on
// μ_φ. As with one stage, μ moves toward the learners' posterior means.
func (o *objective) feedbackPrior(x, g []float64) float64 {
	lay, h, d := o.lay, &o.hyp, o.d
	f := 0.0
	mu := [3]float64{x[lay.mean], x[lay.mean+1], x[lay.fMean]}
	idx := [3]int{0, 1, lay.fMean}
	var gmu [3]float64
	for u := 0; u < d.learners(); u++ {
		idx[0], idx[1], idx[2] = 2*u, 2*u+1, lay.phi+u
		var r, k [3]float64
		for i := range r {
			r[i] = x[idx[i]] - mu[i]
		}
		k = [3]float64{o.kappa[u][0], o.kappa[u][1], o.fkappa[u]}
		for i := range r {
			pr, pk := 0.0, 0.0
			for j := range r {
				pr += h.p3[i][j] * r[j]
				pk += h.p3[i][j] * k[j]
			}
			f += 0.5 * r[i] * pr
			g[idx[i]] += pr
			gmu[i] -= pr + pk
		}
	}
	g[lay.mean] += gmu[0]
	g[lay.mean+1] += gmu[1]
	g[lay.fMean] += gmu[2]
	for j := 0; j < d.nItems; j++ {
		sk := d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]]
		r := x[lay.fItems+j] - feedbackSkillMean(x, lay, sk)
		f += 0.5 * r * r / h.varF
		g[lay.fItems+j] += r / h.varF
		for _, k := range sk {
			g[lay.fSkills+int(k)] -= r / h.varF / float64(len(sk))
		}
	}
	for k := 0; k < d.nSkills; k++ {
		z := x[lay.fSkills+k]
		f += 0.5 * z * z / h.varZeta
		g[lay.fSkills+k] += z / h.varZeta
	}
	f += 0.5 * flatPrec * mu[2] * mu[2]
	g[lay.fMean] += flatPrec * mu[2]
	return f
}

// feedbackSkillMean returns ζ̄, the prior mean of the feedback effect of an
// item with skills sk.
func feedbackSkillMean(x []float64, lay layout, sk []int32) float64 {
	if len(sk) == 0 {
		return 0
	}
	z := 0.0
	for _, k := range sk {
		z += x[lay.fSkills+int(k)]
	}
	return z / float64(len(sk))
}

// updateKappa refreshes every learner's skew shift κ_u at the curvature of
// the last likelihood evaluation.
func (o *objective) updateKappa() {
	for u := range o.kappa {
		if o.lay.feedback() {
			_, k := o.laplace3(u)
			o.kappa[u], o.fkappa[u] = [2]float64{k[0], k[1]}, k[2]
			continue
		}
		o.kappa[u] = skewShift(o.ucurv[u], o.uskew[u], o.hyp.prec)
	}
}

// laplace3 returns learner u's Laplace covariance of (θ, ε, φ) and skew
// shift (posterior mean minus mode) under the feedback stage, from the
// curvature of the last likelihood evaluation.
func (o *objective) laplace3(u int) (cov [3][3]float64, kappa [3]float64) {
	c, sk := o.ucurv[u], o.uskew[u]
	return skewShift3(curvature3(c, o.fcurv[u]), [3]float64{sk[0], sk[1], o.fskew[u]}, o.hyp.p3)
}

// curvature3 assembles the likelihood Hessian of (θ, ε, φ) from the
// learner's (θθ, θε, εε) and the feedback stage's Σw, which adds to θθ,
// θφ and φφ (its predictor is θ + φ + …).
func curvature3(h [3]float64, wF float64) [3][3]float64 {
	return [3][3]float64{{h[0], h[1], wF}, {h[1], h[2], 0}, {wF, 0, wF}}
}

// stageVectors are the coefficients of (θ, ε, φ) in each stage's linear
// predictor under the feedback stage: alone, with hints, after feedback.
var stageVectors = [3][3]float64{{1, 0, 0}, {1, 1, 0}, {1, 0, 1}}

// skewShift3 is skewShift for (θ, ε, φ): h the likelihood Hessian, c the
// sums of p(1−p)(1−2p) over the learner's rows at each stage (alone, hints,
// feedback), prec the prior precision. It returns the Laplace covariance
// A⁻¹ (A = h + prec) and κ = −½ A⁻¹ v, vₖ = Σₛ cₛ (aₛᵀA⁻¹aₛ) aₛₖ.
func skewShift3(h [3][3]float64, c [3]float64, prec [3][3]float64) (cov [3][3]float64, kappa [3]float64) {
	var a [3][3]float64
	for i := range a {
		for j := range a[i] {
			a[i][j] = h[i][j] + prec[i][j]
		}
	}
	cov = numeric.Inverse3(a)
	var v [3]float64
	for s, as := range stageVectors {
		q := 0.0
		for i := range as {
			for j := range as {
				q += as[i] * cov[i][j] * as[j]
			}
		}
		for k := range v {
			v[k] += c[s] * q * as[k]
		}
	}
	for i := range kappa {
		for k := range v {
			kappa[i] -= 0.5 * cov[i][k] * v[k]
		}
	}
	return cov, kappa
}

// skewShift returns the posterior mean minus the posterior mode of one
// learner's (θ, ε), to second order (the Laplace approximation's first
// correction): κ = −½ A⁻¹ v with A = H + Σ⁻¹ the negative Hessian of the
// log posterior at the mode and vₖ = Σ_{i,j} (A⁻¹)ᵢⱼ ∂³(−log L)/∂xᵢ∂xⱼ∂xₖ.
// Every stage's linear predictor is aᵀx with a = (1, 0) alone and (1, 1)
// with support, and the third derivative of softplus is p(1−p)(1−2p), so
// v = c₁(A⁻¹)₀₀·(1, 0) + c₂·(aᵀA⁻¹a)·(1, 1) with cₛ the sum of
// p(1−p)(1−2p) over the learner's stage-s rows. h is the likelihood Hessian
// (θθ, θε, εε). The binary likelihood skews a learner's posterior, and the
// population mean must be the mean of posterior means, not modes: with
// modes the fit puts μ_ε a few hundredths of a logit low (docs/models.md).
func skewShift(h [3]float64, c [2]float64, prec [2][2]float64) [2]float64 {
	a := [2][2]float64{{h[0] + prec[0][0], h[1] + prec[0][1]}, {h[1] + prec[1][0], h[2] + prec[1][1]}}
	s := numeric.Inverse2(a)
	v0 := c[0]*s[0][0] + c[1]*(s[0][0]+2*s[0][1]+s[1][1])
	v1 := c[1] * (s[0][0] + 2*s[0][1] + s[1][1])
	return [2]float64{-0.5 * (s[0][0]*v0 + s[0][1]*v1), -0.5 * (s[1][0]*v0 + s[1][1]*v1)}
}

// skillMeans returns the prior means (β̄, δ̄) of an item with skills sk.
func skillMeans(x []float64, lay layout, sk []int32) (b, d float64) {
	if len(sk) == 0 {
		return 0, 0
	}
	for _, k := range sk {
		b += x[lay.skills+2*int(k)]
		d += x[lay.skills+2*int(k)+1]
	}
	return b / float64(len(sk)), d / float64(len(sk))
}

// mask zeroes the gradient of switched-off parameters, which then stay at 0.
func (o *objective) mask(g []float64) {
	lay, d := o.lay, o.d
	if !o.cfg.ItemSupport {
		for j := 0; j < d.nItems; j++ {
			g[lay.items+2*j+1] = 0
		}
		for k := 0; k < d.nSkills; k++ {
			g[lay.skills+2*k+1] = 0
		}
		if lay.feedback() {
			clear(g[lay.fItems:lay.fMean])
		}
	}
	if !o.cfg.Learning || !o.cfg.SkillLearning {
		clear(g[lay.skillRates:lay.rates])
	}
	if !o.cfg.Learning {
		clear(g[lay.rates : lay.rates+nFeatures])
	}
	if !o.cfg.Recency { // the recency features are zero; keep their rates at 0 too
		for i := lay.skillRates; i < lay.mean; i += nFeatures {
			clear(g[i+3 : i+nFeatures])
		}
	}
}

// centre projects v onto the directions that keep the item effects centred:
// over the items with attempts, the mean of the difficulties b_j and the
// mean of the support effects d_j stay 0 (docs/models.md, "Scale"). Without
// the constraint the likelihood cannot tell μ_ε from a shift of every d_j
// (nor μ_θ from a shift of every b_j); only the weak skill-mean prior would
// decide, and L-BFGS settles such a flat direction last. The fit starts at
// b = d = 0 and every step is projected, so the constraint holds throughout.
func (o *objective) centre(v []float64) {
	lay, d := o.lay, o.d
	var sb, sd, sf float64
	n := 0
	fb := lay.feedback()
	for j := 0; j < d.nItems; j++ {
		if d.itemRows[j] > 0 {
			sb += v[lay.items+2*j]
			sd += v[lay.items+2*j+1]
			if fb {
				sf += v[lay.fItems+j]
			}
			n++
		}
	}
	if n == 0 {
		return
	}
	sb /= float64(n)
	sd /= float64(n)
	sf /= float64(n)
	for j := 0; j < d.nItems; j++ {
		if d.itemRows[j] > 0 {
			v[lay.items+2*j] -= sb
			v[lay.items+2*j+1] -= sd
			if fb {
				v[lay.fItems+j] -= sf
			}
		}
	}
}

// preconditioner fills diag with the inverse of the Hessian's diagonal
// (likelihood curvature of the last evaluation plus prior precision).
func (o *objective) preconditioner(diag []float64) {
	lay, h, d := o.lay, &o.hyp, o.d
	sh := o.shCurv
	pθ, pε := h.prec[0][0], h.prec[1][1]
	if lay.feedback() {
		pθ, pε = h.p3[0][0], h.p3[1][1]
	}
	for u := 0; u < d.learners(); u++ {
		diag[2*u] = 1 / (o.ucurv[u][0] + pθ)
		diag[2*u+1] = 1 / (o.ucurv[u][2] + pε)
	}
	for j := 0; j < d.nItems; j++ {
		diag[lay.items+2*j] = 1 / (sh[lay.items+2*j-lay.shared] + 1/h.varB)
		diag[lay.items+2*j+1] = 1 / (sh[lay.items+2*j+1-lay.shared] + 1/h.varD)
	}
	for k := 0; k < d.nSkills; k++ {
		diag[lay.skills+2*k] = 1 / (d.skillPin[k]/h.varB + 1/h.varBeta)
		diag[lay.skills+2*k+1] = 1 / (d.skillPin[k]/h.varD + 1/h.varDelt)
		for c := 0; c < nFeatures; c++ {
			i := lay.skillRates + nFeatures*k + c
			diag[i] = 1 / (sh[i-lay.shared] + 1/h.varRate[c])
		}
	}
	for c := 0; c < nFeatures; c++ {
		i := lay.rates + c
		diag[i] = 1 / (sh[i-lay.shared] + flatPrec)
	}
	n := float64(max(d.learners(), 1))
	diag[lay.mean] = 1 / (n*pθ + flatPrec)
	diag[lay.mean+1] = 1 / (n*pε + flatPrec)
	if lay.feedback() {
		for u := 0; u < d.learners(); u++ {
			diag[lay.phi+u] = 1 / (o.fcurv[u] + h.p3[2][2])
		}
		for j := 0; j < d.nItems; j++ {
			diag[lay.fItems+j] = 1 / (sh[lay.fItems+j-lay.shared] + 1/h.varF)
		}
		for k := 0; k < d.nSkills; k++ {
			diag[lay.fSkills+k] = 1 / (d.skillPin[k]/h.varF + 1/h.varZeta)
		}
		diag[lay.fMean] = 1 / (n*h.p3[2][2] + flatPrec)
	}
	for i, v := range diag {
		if math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
			diag[i] = 1
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}
