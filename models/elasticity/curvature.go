package elasticity

import (
	"math"
	"sync"
)

// curvature computes the diagonal blocks of the likelihood's Hessian at x:
// the 2×2 block of each learner into o.ucurv, and the diagonal of the shared
// parameters into the returned slice (indexed from lay.shared). They give
// the Laplace variances of the empirical-Bayes step and the L-BFGS
// preconditioner.
func (o *objective) curvature(x []float64, shared []float64) {
	var wg sync.WaitGroup
	for w := range o.chunks {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			o.curvWork(w, x)
		}(w)
	}
	wg.Wait()
	clear(shared)
	for w := range o.chunks {
		for i, v := range o.curv[w] {
			shared[i] += v
		}
	}
}

func (o *objective) curvWork(w int, x []float64) {
	d, lay := o.d, o.lay
	buf := o.curv[w]
	clear(buf)
	sh := lay.shared
	learning := o.cfg.Learning
	rates := x[lay.rates : lay.rates+3]
	for u := o.chunks[w][0]; u < o.chunks[w][1]; u++ {
		th, ep := x[2*u], x[2*u+1]
		var c [3]float64
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
			p1 := sigmoid(eta1)
			w1 := p1 * (1 - p1)
			wAll := w1
			c[0] += w1
			if d.out[r] != IndependentSuccess {
				p2 := sigmoid(eta1 + ep + x[bj+1])
				w2 := p2 * (1 - p2)
				c[0] += w2
				c[1] += w2
				c[2] += w2
				buf[bj+1-sh] += w2
				wAll += w2
			}
			buf[bj-sh] += wAll
			if learning && e1 > e0 {
				inv := 1 / float64(e1-e0)
				wt := wAll * inv * inv
				for e := e0; e < e1; e++ {
					f := &d.entF[e]
					kr := lay.skillRates + 3*int(d.entSkill[e]) - sh
					for k := 0; k < 3; k++ {
						v := wt * float64(f[k]) * float64(f[k])
						buf[kr+k] += v
						buf[lay.rates-sh+k] += v
					}
				}
			}
		}
		o.ucurv[u] = c
	}
}

// preconditioner fills diag with the inverse of the Hessian's diagonal
// (likelihood curvature plus prior precision) at x.
func (o *objective) preconditioner(x, shared, diag []float64) {
	lay, h, d := o.lay, &o.hyp, o.d
	o.curvature(x, shared)
	for u := 0; u < d.learners(); u++ {
		diag[2*u] = 1 / (o.ucurv[u][0] + h.prec[0][0])
		diag[2*u+1] = 1 / (o.ucurv[u][2] + h.prec[1][1])
	}
	for j := 0; j < d.nItems; j++ {
		diag[lay.items+2*j] = 1 / (shared[lay.items+2*j-lay.shared] + 1/h.varB)
		diag[lay.items+2*j+1] = 1 / (shared[lay.items+2*j+1-lay.shared] + 1/h.varD)
	}
	skillPrec := o.skillPriorCurvature()
	for k := 0; k < d.nSkills; k++ {
		diag[lay.skills+2*k] = 1 / (skillPrec[k]/h.varB + 1/h.varBeta)
		diag[lay.skills+2*k+1] = 1 / (skillPrec[k]/h.varD + 1/h.varDelt)
		for c := 0; c < 3; c++ {
			i := lay.skillRates + 3*k + c
			diag[i] = 1 / (shared[i-lay.shared] + 1/h.varRate[c])
		}
	}
	for c := 0; c < 3; c++ {
		i := lay.rates + c
		diag[i] = 1 / (shared[i-lay.shared] + flatPrec)
	}
	n := float64(max(d.learners(), 1))
	diag[lay.mean] = 1 / (n*h.prec[0][0] + flatPrec)
	diag[lay.mean+1] = 1 / (n*h.prec[1][1] + flatPrec)
	for i, v := range diag {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			diag[i] = 1
		}
	}
}

// skillPriorCurvature returns, per skill, Σ over its items of 1/|K_j|²: how
// strongly the item priors pin the skill mean (times 1/var).
func (o *objective) skillPriorCurvature() []float64 {
	d := o.d
	out := make([]float64, d.nSkills)
	for j := 0; j < d.nItems; j++ {
		sk := d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]]
		for _, k := range sk {
			out[k] += 1 / float64(len(sk)*len(sk))
		}
	}
	return out
}
