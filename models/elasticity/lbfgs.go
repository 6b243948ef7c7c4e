package elasticity

// memory is the limited-memory BFGS approximation of the inverse Hessian:
// the last few steps s and gradient changes y, applied by the two-loop
// recursion on top of a diagonal preconditioner.
//
// Hand-written rather than gonum's optimize.LBFGS (used by the baselines,
// models/logistic) because the fit needs what that API does not give: a
// per-coordinate preconditioner (the learners' and items' curvatures differ
// by orders of magnitude; without it the fit takes several times the
// iterations), empirical-Bayes updates of the prior variances between
// iterations, and a validation check that may stop and keep an earlier
// iterate.
type memory struct {
	size  int
	s, y  [][]float64
	rho   []float64
	alpha []float64
	count int // stored pairs
	head  int // next slot
}

func newMemory(n, size int) *memory {
	m := &memory{size: size, rho: make([]float64, size), alpha: make([]float64, size)}
	for i := 0; i < size; i++ {
		m.s = append(m.s, make([]float64, n))
		m.y = append(m.y, make([]float64, n))
	}
	return m
}

// reset forgets every pair.
func (m *memory) reset() { m.count, m.head = 0, 0 }

// push stores the step from (x0, g0) to (x1, g1) when it has positive
// curvature.
func (m *memory) push(x1, x0, g1, g0 []float64) {
	s, y := m.s[m.head], m.y[m.head]
	sy := 0.0
	for i := range x1 {
		s[i] = x1[i] - x0[i]
		y[i] = g1[i] - g0[i]
		sy += s[i] * y[i]
	}
	if sy > 1e-12 {
		m.rho[m.head] = 1 / sy
		m.head = (m.head + 1) % m.size
		m.count = min(m.count+1, m.size)
	}
}

// direction sets dir = −H·g with H₀ = γ·diag (γ from the newest pair).
func (m *memory) direction(g, diag, dir []float64) {
	q := dir
	copy(q, g)
	for n, i := 0, m.head; n < m.count; n++ {
		i = (i - 1 + m.size) % m.size
		m.alpha[i] = m.rho[i] * dot(m.s[i], q)
		axpy(-m.alpha[i], m.y[i], q)
	}
	scale := 1.0
	if m.count > 0 {
		last := (m.head - 1 + m.size) % m.size
		yDy := 0.0
		for k, v := range m.y[last] {
			yDy += v * v * diag[k]
		}
		if yDy > 0 {
			scale = 1 / (m.rho[last] * yDy)
		}
	}
	for k := range q {
		q[k] *= scale * diag[k]
	}
	start := (m.head - m.count + m.size) % m.size
	for n, i := 0, start; n < m.count; n, i = n+1, (i+1)%m.size {
		beta := m.rho[i] * dot(m.y[i], q)
		axpy(m.alpha[i]-beta, m.s[i], q)
	}
	for k := range q {
		q[k] = -q[k]
	}
}
