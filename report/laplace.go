package report

import (
	"errors"
	"fmt"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
)

// stageTerm is one observed stage of one attempt in the negative
// log-posterior Hessian: its linear predictor moves with the learner's θ
// (and ε in stage 2), the item's b (and d in stage 2) and the rates through
// the practice features x; w = p(1 − p) at the estimates.
type stageTerm struct {
	learner int32 // learner block
	item    int32 // model item, or elasticity.NoItem
	stage2  bool
	w       float64
	x       [nRates]float32 // features are float32 in the model too
}

// jointHessian is the Hessian of the negative log posterior over the
// nuisance effects η — (θ_u, ε_u) of every learner, then (b_j, d_j) of every
// item — and the global rates γ, stored as its stage terms plus the priors'
// 2×2 blocks.
type jointHessian struct {
	terms     []stageTerm
	learners  int
	items     int
	support   bool            // d_j is a parameter (item_support)
	prior     [][2][2]float64 // per block: prior precision
	blockInv  [][2][2]float64 // per block: inverse of the diagonal block (preconditioner)
	hGG       [nRates][nRates]float64
	hEtaGamma [nRates][]float64 // column c: H_ηγ[:, c]
}

// rateInformation returns the 6×6 observed information of the global rates
// on log with every learner's (θ, ε) and every item's (b_j, d_j) integrated
// out by the Laplace approximation: I = H_γγ − H_γη·H_ηη⁻¹·H_ηγ, with the
// six columns of H_ηη⁻¹·H_ηγ solved by preconditioned conjugate gradients
// (H_ηη is sparse: one learner and one item per attempt). Learners sit at
// their posterior modes from the Scorer, items at the model's estimates.
//
// The practice features come from package features through Model.Term, as the Scorer's
// do; every learner's last learning term is checked against the Scorer's
// readiness, so a change in how the Scorer applies them is reported
// instead of giving wrong intervals.
func rateInformation(m *elasticity.Model, log *datasets.Log) (*mat.SymDense, error) {
	h, err := newJointHessian(m, log)
	if err != nil {
		return nil, err
	}
	info := mat.NewSymDense(nRates, nil)
	for c := range nRates {
		z, err := h.solve(h.hEtaGamma[c])
		if err != nil {
			return nil, fmt.Errorf("rate %d: %w", c, err)
		}
		for r := 0; r <= c; r++ {
			var q float64
			for i, v := range h.hEtaGamma[r] {
				q += v * z[i]
			}
			info.SetSym(r, c, h.hGG[r][c]-q)
		}
	}
	return info, nil
}

// newJointHessian walks every learner's history once: practice features,
// the learner's posterior mode, and the stage terms.
func newJointHessian(m *elasticity.Model, log *datasets.Log) (*jointHessian, error) {
	p := m.Params()
	res := features.NewLogResolver(m.Index(), log)
	sc := elasticity.NewScorer(m)
	practice := m.NewPractice()
	var hist elasticity.History
	var buf []int32 // the row's known skills; never aliased with the model's or hist's slices
	type step struct {
		x    [nRates]float64
		off  float64 // l − b_j
		d    float64
		o    elasticity.Outcome
		item int32
	}
	var steps []step
	h := &jointHessian{items: len(p.Items), support: p.Config.ItemSupport}
	for _, rows := range log.Histories() {
		if len(rows) == 0 {
			continue
		}
		hist.Reset()
		steps = steps[:0]
		practice.Reset()
		for _, row := range rows {
			res.Append(&hist, int(row))
			item := res.Item(int(row))
			buf = res.Skills(buf[:0], int(row))
			skills := m.AttemptSkills(item, buf)
			l, x := m.Term(practice, skills)
			o := elasticity.OutcomeOf(log.Independent[row], log.Supported[row])
			b, d := m.ItemParams(item, skills)
			steps = append(steps, step{x, l - b, d, o, item})
			practice.Add(skills, o)
		}
		post := sc.Score(&hist)
		last := steps[len(steps)-1].item
		skills := m.AttemptSkills(last, hist.StepSkills(hist.Len()-1))
		b, _ := m.ItemParams(last, skills)
		if l, _ := m.Term(practice, skills); math.Abs(b-sc.Readiness(last, skills).Difficulty-l) > 1e-6*(1+math.Abs(l)) {
			return nil, errors.New("the elasticity model's learning term no longer matches docs/models.md as this report reads it")
		}
		u := int32(h.learners)
		h.learners++
		theta, eps := post.Ability.Value, post.Elasticity.Value
		for _, s := range steps {
			t := stageTerm{learner: u, item: s.item}
			for c, v := range s.x {
				t.x[c] = float32(v)
			}
			p1 := numeric.Sigmoid(theta + s.off)
			t.w = p1 * (1 - p1)
			h.terms = append(h.terms, t)
			if s.o != elasticity.IndependentSuccess { // stage 2 is observed
				p2 := numeric.Sigmoid(theta + eps + s.off + s.d)
				t.stage2, t.w = true, p2*(1-p2)
				h.terms = append(h.terms, t)
			}
		}
	}
	h.finish(p)
	return h, nil
}

// coeffs lists the η entries a term's linear predictor moves with and how:
// θ and b always, ε and d in stage 2 (d only with item support).
func (h *jointHessian) coeffs(t *stageTerm, idx *[4]int, val *[4]float64) int {
	n := 0
	add := func(i int, v float64) { idx[n], val[n] = i, v; n++ }
	add(2*int(t.learner), 1)
	if t.stage2 {
		add(2*int(t.learner)+1, 1)
	}
	if t.item != elasticity.NoItem {
		b := 2 * (h.learners + int(t.item))
		add(b, -1)
		if t.stage2 && h.support {
			add(b+1, 1)
		}
	}
	return n
}

// finish adds the priors, the preconditioner and the γ blocks.
func (h *jointHessian) finish(p *elasticity.Params) {
	blocks := h.learners + h.items
	h.prior = make([][2][2]float64, blocks)
	c := p.Cov
	learnerPrec := numeric.Inverse2(c)
	itemPrec := [2][2]float64{{1 / (p.ItemSD * p.ItemSD), 0}, {0, 1}}
	if h.support {
		itemPrec[1][1] = 1 / (p.SupportSD * p.SupportSD)
	}
	for b := range h.prior {
		if b < h.learners {
			h.prior[b] = learnerPrec
		} else {
			h.prior[b] = itemPrec
		}
	}
	diag := append([][2][2]float64(nil), h.prior...)
	for c := range h.hEtaGamma {
		h.hEtaGamma[c] = make([]float64, 2*blocks)
	}
	var idx [4]int
	var val [4]float64
	for k := range h.terms {
		t := &h.terms[k]
		n := h.coeffs(t, &idx, &val)
		for a := range n {
			for b := range n {
				if idx[a]/2 == idx[b]/2 {
					diag[idx[a]/2][idx[a]%2][idx[b]%2] += t.w * val[a] * val[b]
				}
			}
			for c, x := range t.x {
				h.hEtaGamma[c][idx[a]] += t.w * val[a] * float64(x)
			}
		}
		for i, xi := range t.x {
			for j, xj := range t.x {
				h.hGG[i][j] += t.w * float64(xi) * float64(xj)
			}
		}
	}
	h.blockInv = make([][2][2]float64, blocks)
	for b, m := range diag {
		d := m[0][0]*m[1][1] - m[0][1]*m[1][0]
		h.blockInv[b] = [2][2]float64{{m[1][1] / d, -m[0][1] / d}, {-m[1][0] / d, m[0][0] / d}}
	}
}

// mul sets out = H_ηη·v.
func (h *jointHessian) mul(out, v []float64) {
	for b, m := range h.prior {
		out[2*b] = m[0][0]*v[2*b] + m[0][1]*v[2*b+1]
		out[2*b+1] = m[1][0]*v[2*b] + m[1][1]*v[2*b+1]
	}
	var idx [4]int
	var val [4]float64
	for k := range h.terms {
		t := &h.terms[k]
		n := h.coeffs(t, &idx, &val)
		var dot float64
		for a := range n {
			dot += val[a] * v[idx[a]]
		}
		dot *= t.w
		for a := range n {
			out[idx[a]] += dot * val[a]
		}
	}
}

// precondition sets out = blockdiag(H_ηη)⁻¹·r.
func (h *jointHessian) precondition(out, r []float64) {
	for b, m := range h.blockInv {
		out[2*b] = m[0][0]*r[2*b] + m[0][1]*r[2*b+1]
		out[2*b+1] = m[1][0]*r[2*b] + m[1][1]*r[2*b+1]
	}
}

// Conjugate-gradient limits: H_ηη is well conditioned after the block
// preconditioner (priors bound every block), so a few dozen iterations
// usually reach the tolerance.
const (
	cgTolerance = 1e-9
	cgMaxIter   = 2000
)

// solve returns H_ηη⁻¹·rhs by preconditioned conjugate gradients.
func (h *jointHessian) solve(rhs []float64) ([]float64, error) {
	n := len(rhs)
	x := make([]float64, n)
	r := append([]float64(nil), rhs...)
	z := make([]float64, n)
	q := make([]float64, n)
	h.precondition(z, r)
	d := append([]float64(nil), z...)
	rz := dot(r, z)
	norm0 := math.Sqrt(dot(rhs, rhs))
	if norm0 == 0 {
		return x, nil
	}
	for range cgMaxIter {
		h.mul(q, d)
		alpha := rz / dot(d, q)
		for i := range x {
			x[i] += alpha * d[i]
			r[i] -= alpha * q[i]
		}
		if math.Sqrt(dot(r, r)) <= cgTolerance*norm0 {
			return x, nil
		}
		h.precondition(z, r)
		rzNew := dot(r, z)
		beta := rzNew / rz
		rz = rzNew
		for i := range d {
			d[i] = z[i] + beta*d[i]
		}
	}
	return nil, errors.New("conjugate gradients did not converge")
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
