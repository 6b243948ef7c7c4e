package elasticity

import (
	"math"
	"slices"
)

// bank summarises the item bank's support effects under the feedback stage:
// K weighted nodes (f, d) whose weighted average of any smooth function
// approximates its average over the bank's items. The feedback stage's
// headline numbers average P(success with support) over the bank rather
// than evaluating it at f = d = 0: the two effects vary together across
// items (an item whose support is scaffolding has a large f and a very
// negative d), and the item with both effects at their means can be far
// from a typical item (docs/models.md, "Help versus feedback").
type bank struct {
	f, d, w []float64
}

// bankNodes is the number of nodes: enough that the within-node spread
// moves an averaged probability by well under 0.01.
const bankNodes = 48

// newBank summarises the pairs (f[j], d[j]) by k-means with bankNodes
// centroids, started at quantiles of the first principal component and
// run for a fixed number of Lloyd iterations, so the same parameters
// always give the same nodes.
func newBank(f, d []float64) *bank {
	n := len(f)
	if n <= bankNodes {
		b := &bank{f: slices.Clone(f), d: slices.Clone(d), w: make([]float64, n)}
		for j := range b.w {
			b.w[j] = 1 / float64(n)
		}
		return b
	}
	proj := principal(f, d)
	order := make([]int, n)
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case proj[a] < proj[b]:
			return -1
		case proj[a] > proj[b]:
			return 1
		}
		return 0
	})
	b := &bank{f: make([]float64, bankNodes), d: make([]float64, bankNodes), w: make([]float64, bankNodes)}
	for k := range bankNodes {
		j := order[(2*k+1)*n/(2*bankNodes)]
		b.f[k], b.d[k] = f[j], d[j]
	}
	assign := make([]int, n)
	for range 30 {
		for j := range n {
			best, bestD := 0, math.Inf(1)
			for k := range bankNodes {
				df, dd := f[j]-b.f[k], d[j]-b.d[k]
				if dist := df*df + dd*dd; dist < bestD {
					best, bestD = k, dist
				}
			}
			assign[j] = best
		}
		var sf, sd, cnt [bankNodes]float64
		for j, k := range assign {
			sf[k] += f[j]
			sd[k] += d[j]
			cnt[k]++
		}
		for k := range bankNodes {
			if cnt[k] > 0 {
				b.f[k], b.d[k] = sf[k]/cnt[k], sd[k]/cnt[k]
			}
			b.w[k] = cnt[k] / float64(n)
		}
	}
	return b
}

// principal returns each pair's projection on the first principal
// component of the centred pairs.
func principal(f, d []float64) []float64 {
	n := float64(len(f))
	var mf, md float64
	for j := range f {
		mf += f[j]
		md += d[j]
	}
	mf, md = mf/n, md/n
	var sff, sdd, sfd float64
	for j := range f {
		a, b := f[j]-mf, d[j]-md
		sff += a * a
		sdd += b * b
		sfd += a * b
	}
	// leading eigenvector of [[sff, sfd], [sfd, sdd]]
	angle := 0.5 * math.Atan2(2*sfd, sff-sdd)
	cf, cd := math.Cos(angle), math.Sin(angle)
	out := make([]float64, len(f))
	for j := range f {
		out[j] = (f[j]-mf)*cf + (d[j]-md)*cd
	}
	return out
}

// support returns the bank average of P(success with support | failed
// alone) = 1 − (1−σ(u+φ+f))(1−σ(u+ε+d)) for a learner with feedback effect
// phi and hint effect eps at u = θ − b, and its derivatives in φ, ε and u.
func (b *bank) support(u, phi, eps float64) (p, dPhi, dEps, dU float64) {
	for k, w := range b.w {
		sa, sc := sigmoid(u+phi+b.f[k]), sigmoid(u+eps+b.d[k])
		qa, qc := 1-sa, 1-sc
		p += w * (1 - qa*qc)
		dPhi += w * sa * qa * qc
		dEps += w * sc * qc * qa
	}
	return p, dPhi, dEps, dPhi + dEps
}

// reachOffset returns u = θ − b at which the bank average of P(success with
// support) equals reach (logit lr), by Newton's method on the logit from
// start; the average is increasing in u.
func (b *bank) reachOffset(phi, eps, lr, start float64) float64 {
	u := start
	for range 60 {
		p, _, _, dU := b.support(u, phi, eps)
		p = min(max(p, 1e-300), 1-1e-16)
		step := (math.Log(p/(1-p)) - lr) / (dU / (p * (1 - p)))
		step = max(min(step, maxNewtonStep), -maxNewtonStep)
		u -= step
		if math.Abs(step) < 1e-12 {
			break
		}
	}
	return u
}
