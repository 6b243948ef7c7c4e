package elasticity

import (
	"context"
	"math"
)

// lbfgs minimises a smooth function with limited-memory BFGS, a diagonal
// preconditioner (the inverse Hessian diagonal) as the initial inverse
// Hessian, and a backtracking Armijo line search. The objective here is
// convex and well scaled by the preconditioner, so the unit step is almost
// always accepted and one evaluation per iteration is the norm.
type lbfgs struct {
	mem   int
	s, y  [][]float64
	rho   []float64
	alpha []float64
	count int // stored pairs
	head  int // next slot
	dir   []float64
	x1    []float64
	g1    []float64
}

func newLBFGS(n, mem int) *lbfgs {
	o := &lbfgs{mem: mem, rho: make([]float64, mem), alpha: make([]float64, mem),
		dir: make([]float64, n), x1: make([]float64, n), g1: make([]float64, n)}
	for i := 0; i < mem; i++ {
		o.s = append(o.s, make([]float64, n))
		o.y = append(o.y, make([]float64, n))
	}
	return o
}

// reset forgets the curvature pairs (after the objective changed).
func (o *lbfgs) reset() { o.count, o.head = 0, 0 }

// minimize runs up to maxIter iterations from x, where fx and g are the
// value and gradient at x, and returns the final value (x and g updated in
// place). It stops when an iteration lowers f by less than tol·max(|f|, 1).
func (o *lbfgs) minimize(ctx context.Context, f func(x, g []float64) float64, x, g []float64, fx float64,
	diag []float64, maxIter int, tol float64) (float64, int, error) {
	it := 0
	for ; it < maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return fx, it, err
		}
		o.direction(g, diag)
		slope := dot(g, o.dir)
		if !(slope < 0) {
			o.reset()
			o.direction(g, diag)
			slope = dot(g, o.dir)
			if !(slope < 0) {
				break // at a stationary point to machine precision
			}
		}
		step := 1.0
		var f1 float64
		accepted := false
		for ls := 0; ls < 40; ls++ {
			for i := range x {
				o.x1[i] = x[i] + step*o.dir[i]
			}
			f1 = f(o.x1, o.g1)
			if f1 <= fx+1e-4*step*slope && !math.IsNaN(f1) {
				accepted = true
				break
			}
			// quadratic interpolation of the step, kept within [0.1, 0.5]·step
			next := -slope * step * step / (2 * (f1 - fx - slope*step))
			if math.IsNaN(next) || next < 0.1*step {
				next = 0.1 * step
			} else if next > 0.5*step {
				next = 0.5 * step
			}
			step = next
		}
		if !accepted {
			break
		}
		s, y := o.s[o.head], o.y[o.head]
		sy := 0.0
		for i := range x {
			s[i] = o.x1[i] - x[i]
			y[i] = o.g1[i] - g[i]
			sy += s[i] * y[i]
		}
		if sy > 1e-12 {
			o.rho[o.head] = 1 / sy
			o.head = (o.head + 1) % o.mem
			o.count = min(o.count+1, o.mem)
		}
		copy(x, o.x1)
		copy(g, o.g1)
		done := fx-f1 <= tol*math.Max(math.Abs(f1), 1)
		fx = f1
		if done {
			it++
			break
		}
	}
	return fx, it, nil
}

// direction sets o.dir = −H·g by the two-loop recursion with H₀ = γ·diag.
func (o *lbfgs) direction(g, diag []float64) {
	q := o.dir
	copy(q, g)
	for n, i := 0, o.head; n < o.count; n++ {
		i = (i - 1 + o.mem) % o.mem
		o.alpha[i] = o.rho[i] * dot(o.s[i], q)
		axpy(-o.alpha[i], o.y[i], q)
	}
	scale := 1.0
	if o.count > 0 {
		last := (o.head - 1 + o.mem) % o.mem
		yDy := 0.0
		for k, v := range o.y[last] {
			yDy += v * v * diag[k]
		}
		if yDy > 0 {
			scale = 1 / (o.rho[last] * yDy)
		}
	}
	for k := range q {
		q[k] *= scale * diag[k]
	}
	start := (o.head - o.count + o.mem) % o.mem
	for n, i := 0, start; n < o.count; n, i = n+1, (i+1)%o.mem {
		beta := o.rho[i] * dot(o.y[i], q)
		axpy(o.alpha[i]-beta, o.s[i], q)
	}
	for k := range q {
		q[k] = -q[k]
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
