package elasticity

import (
	"math"
	"sync"
)

// layout places every fitted parameter in one vector x. Learner effects
// come first so that workers, which split the learners, write disjoint parts
// of the gradient; the rest ("shared") is summed over workers.
//
//	x[2u], x[2u+1]                       θ_u, ε_u
//	x[items+2j], x[items+2j+1]           b_j, d_j
//	x[skills+2k], x[skills+2k+1]         β_k, δ_k
//	x[skillRates+3k+o]                   γ_ko (deviation from γ_o)
//	x[rates+o]                           γ_o
//	x[mean], x[mean+1]                   μ_θ, μ_ε
type layout struct {
	shared, items, skills, skillRates, rates, mean, n int
}

func newLayout(nLearners, nItems, nSkills int) layout {
	var l layout
	l.shared = 2 * nLearners
	l.items = l.shared
	l.skills = l.items + 2*nItems
	l.skillRates = l.skills + 2*nSkills
	l.rates = l.skillRates + 3*nSkills
	l.mean = l.rates + 3
	l.n = l.mean + 2
	return l
}

// hyper are the prior (population) variances, re-estimated between rounds.
type hyper struct {
	prec             [2][2]float64 // inverse covariance of (θ, ε)
	cov              [2][2]float64
	varB, varD       float64 // items around their skill means
	varBeta, varDelt float64 // skill means around 0
	varRate          [3]float64
}

// flatPrec is the precision of the nearly flat priors on global rates and
// population means (keeps the problem strictly convex).
const flatPrec = 1e-6

// objective is the negative log posterior of all effects given the
// hyperparameters, evaluated in parallel over learner chunks.
type objective struct {
	d   *design
	lay layout
	cfg Config
	hyp hyper

	chunks [][2]int    // learner range of each worker
	bufs   [][]float64 // per-worker gradient of the shared parameters
	curv   [][]float64 // per-worker curvature of the shared parameters
	nll    []float64
	ucurv  [][3]float64 // per learner: likelihood Hessian (θθ, θε, εε)
}

func newObjective(d *design, cfg Config, threads int) *objective {
	lay := newLayout(d.learners(), d.nItems, d.nSkills)
	o := &objective{d: d, lay: lay, cfg: cfg, nll: make([]float64, threads), ucurv: make([][3]float64, d.learners())}
	o.chunks = splitLearners(d, threads)
	for range o.chunks {
		o.bufs = append(o.bufs, make([]float64, lay.n-lay.shared))
		o.curv = append(o.curv, make([]float64, lay.n-lay.shared))
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
	var wg sync.WaitGroup
	for w := range o.chunks {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			o.nll[w] = o.work(w, x, g)
		}(w)
	}
	wg.Wait()
	f := 0.0
	sh := g[o.lay.shared:]
	clear(sh)
	for w := range o.chunks {
		f += o.nll[w]
		for i, v := range o.bufs[w] {
			sh[i] += v
		}
	}
	f += o.prior(x, g)
	o.mask(g)
	return f
}

// logistic returns σ(η) and softplus(η) = log(1+e^η) with one exp.
func logistic(eta float64) (p, sp float64) {
	e := math.Exp(-math.Abs(eta))
	if eta >= 0 {
		return 1 / (1 + e), eta + math.Log1p(e)
	}
	return e / (1 + e), math.Log1p(e)
}

// work accumulates the likelihood part for worker w's learners: learner
// gradients straight into g, shared gradients into the worker's buffer.
func (o *objective) work(w int, x, g []float64) float64 {
	d, lay := o.d, o.lay
	buf := o.bufs[w]
	clear(buf)
	sh := lay.shared
	learning, skillLearning := o.cfg.Learning, o.cfg.Learning && o.cfg.SkillLearning
	rates := x[lay.rates : lay.rates+3]
	gr := buf[lay.rates-sh : lay.rates-sh+3]
	nll := 0.0
	for u := o.chunks[w][0]; u < o.chunks[w][1]; u++ {
		th, ep := x[2*u], x[2*u+1]
		var gt, ge float64
		for r := d.learnerStart[u]; r < d.learnerStart[u+1]; r++ {
			bj := lay.items + 2*int(d.item[r])
			e0, e1 := d.entStart[r], d.entStart[r+1]
			l := 0.0
			if learning && e1 > e0 {
				for e := e0; e < e1; e++ {
					f := &d.entF[e]
					kr := lay.skillRates + 3*int(d.entSkill[e])
					l += (rates[0]+x[kr])*float64(f[0]) + (rates[1]+x[kr+1])*float64(f[1]) + (rates[2]+x[kr+2])*float64(f[2])
				}
				l /= float64(e1 - e0)
			}
			eta1 := th + l - x[bj]
			p1, sp1 := logistic(eta1)
			var rs float64
			if d.out[r] == IndependentSuccess {
				nll += sp1 - eta1
				rs = p1 - 1
			} else {
				nll += sp1
				eta2 := eta1 + ep + x[bj+1]
				p2, sp2 := logistic(eta2)
				r2 := p2
				if d.out[r] == SupportedSuccess {
					nll += sp2 - eta2
					r2 = p2 - 1
				} else {
					nll += sp2
				}
				ge += r2
				buf[bj+1-sh] += r2
				rs = p1 + r2
			}
			gt += rs
			buf[bj-sh] -= rs
			if learning && e1 > e0 {
				wt := rs / float64(e1-e0)
				for e := e0; e < e1; e++ {
					f := &d.entF[e]
					f0, f1, f2 := wt*float64(f[0]), wt*float64(f[1]), wt*float64(f[2])
					gr[0] += f0
					gr[1] += f1
					gr[2] += f2
					if skillLearning {
						kr := lay.skillRates + 3*int(d.entSkill[e]) - sh
						buf[kr] += f0
						buf[kr+1] += f1
						buf[kr+2] += f2
					}
				}
			}
		}
		g[2*u] = gt
		g[2*u+1] = ge
	}
	return nll
}

// prior adds the prior terms to g and returns their value.
func (o *objective) prior(x, g []float64) float64 {
	lay, h, d := o.lay, &o.hyp, o.d
	f := 0.0
	mu := x[lay.mean : lay.mean+2]
	var gmu [2]float64
	for u := 0; u < d.learners(); u++ {
		a, b := x[2*u]-mu[0], x[2*u+1]-mu[1]
		pa := h.prec[0][0]*a + h.prec[0][1]*b
		pb := h.prec[1][0]*a + h.prec[1][1]*b
		f += 0.5 * (a*pa + b*pb)
		g[2*u] += pa
		g[2*u+1] += pb
		gmu[0] -= pa
		gmu[1] -= pb
	}
	for j := 0; j < d.nItems; j++ {
		sk := d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]]
		var bBar, dBar float64
		for _, k := range sk {
			bBar += x[lay.skills+2*int(k)]
			dBar += x[lay.skills+2*int(k)+1]
		}
		inv := 0.0
		if len(sk) > 0 {
			inv = 1 / float64(len(sk))
		}
		rb := x[lay.items+2*j] - bBar*inv
		rd := x[lay.items+2*j+1] - dBar*inv
		f += 0.5 * (rb*rb/h.varB + rd*rd/h.varD)
		gb, gd := rb/h.varB, rd/h.varD
		g[lay.items+2*j] += gb
		g[lay.items+2*j+1] += gd
		for _, k := range sk {
			g[lay.skills+2*int(k)] -= gb * inv
			g[lay.skills+2*int(k)+1] -= gd * inv
		}
	}
	for k := 0; k < d.nSkills; k++ {
		b, dl := x[lay.skills+2*k], x[lay.skills+2*k+1]
		f += 0.5 * (b*b/h.varBeta + dl*dl/h.varDelt)
		g[lay.skills+2*k] += b / h.varBeta
		g[lay.skills+2*k+1] += dl / h.varDelt
		for c := 0; c < 3; c++ {
			v := x[lay.skillRates+3*k+c]
			f += 0.5 * v * v / h.varRate[c]
			g[lay.skillRates+3*k+c] += v / h.varRate[c]
		}
	}
	for i := lay.rates; i < lay.n; i++ {
		f += 0.5 * flatPrec * x[i] * x[i]
		g[i] += flatPrec * x[i]
	}
	g[lay.mean] += gmu[0]
	g[lay.mean+1] += gmu[1]
	return f
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
	}
	if !o.cfg.Learning || !o.cfg.SkillLearning {
		clear(g[lay.skillRates:lay.rates])
	}
	if !o.cfg.Learning {
		clear(g[lay.rates : lay.rates+3])
	}
}
