// Package logistic fits L2-regularised logistic regression on sparse
// features with L-BFGS and analytic gradients.
//
// The objective is the one scikit-learn's LogisticRegression(C) minimises:
//
//	sum_i [log(1+exp(z_i)) - y_i z_i] + ||w||^2 / (2C),   z_i = b + x_i·w
//
// with the intercept b left unpenalised. The baselines in zpd use it so that
// their fits agree with the independent reference implementation.
package logistic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Design is a sparse design matrix in compressed-row form. Build it with
// AddRow; row i's entries are Col[Start[i]:Start[i+1]] and Val[...].
type Design struct {
	NumCols int
	Start   []int
	Col     []int32
	Val     []float64
}

// NewDesign returns an empty design with numCols columns.
func NewDesign(numCols int) *Design {
	return &Design{NumCols: numCols, Start: []int{0}}
}

// Rows returns the number of rows.
func (d *Design) Rows() int { return len(d.Start) - 1 }

// AddRow appends a row with the given nonzero entries. Columns may repeat
// (their values add up).
func (d *Design) AddRow(cols []int32, vals []float64) {
	d.Col = append(d.Col, cols...)
	d.Val = append(d.Val, vals...)
	d.Start = append(d.Start, len(d.Col))
}

// Options control the optimiser. Zero values select the defaults.
type Options struct {
	// MaxIterations caps L-BFGS iterations; default 3000.
	MaxIterations int
	// GradTol stops when the infinity norm of the gradient of the mean
	// objective (objective / rows) falls below it; default 1e-6, the
	// tolerance scikit-learn's lbfgs solver applies to the same scaling.
	GradTol float64
}

// Weights is a fitted model: P(y=1|x) = sigmoid(Intercept + x·Coef).
type Weights struct {
	Intercept float64
	Coef      []float64
}

// Score returns the linear predictor for sparse entries cols/vals.
func (w *Weights) Score(cols []int32, vals []float64) float64 {
	z := w.Intercept
	for k, c := range cols {
		z += w.Coef[c] * vals[k]
	}
	return z
}

// Fit minimises the regularised log-loss of labels y on design x with inverse
// regularisation strength c (> 0).
func Fit(ctx context.Context, x *Design, y []bool, c float64, opts Options) (*Weights, error) {
	n := x.Rows()
	switch {
	case len(y) != n:
		return nil, fmt.Errorf("logistic: %d labels for %d rows", len(y), n)
	case n == 0:
		return nil, errors.New("logistic: no rows")
	case !(c > 0):
		return nil, fmt.Errorf("logistic: C must be > 0, got %g", c)
	}
	for _, col := range x.Col {
		if col < 0 || int(col) >= x.NumCols {
			return nil, fmt.Errorf("logistic: column %d out of range [0,%d)", col, x.NumCols)
		}
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = 3000
	}
	if opts.GradTol == 0 {
		opts.GradTol = 1e-6
	}
	obj := &objective{x: x, y: y, lambda: 1 / c}
	// Start from the base rate so the intercept begins near its optimum.
	x0 := make([]float64, x.NumCols+1)
	x0[x.NumCols] = baseLogit(y)
	prob := optimize.Problem{
		Func: obj.value,
		Grad: obj.grad,
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		GradientThreshold: opts.GradTol,
		MajorIterations:   opts.MaxIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-14, Iterations: 50},
	}
	res, err := optimize.Minimize(prob, x0, settings, &optimize.LBFGS{})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Line searches may stall in floating point right at the optimum; the
	// best location found is still the answer then.
	if err != nil && !errors.Is(err, optimize.ErrNoProgress) && !errors.Is(err, optimize.ErrLinesearcherFailure) {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	if res == nil || !finite(res.X) {
		return nil, errors.New("logistic: optimiser returned non-finite weights")
	}
	w := &Weights{Intercept: res.X[x.NumCols], Coef: append([]float64(nil), res.X[:x.NumCols]...)}
	return w, nil
}

func baseLogit(y []bool) float64 {
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	p := (float64(pos) + 0.5) / (float64(len(y)) + 1)
	return math.Log(p / (1 - p))
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// objective evaluates the mean regularised log-loss and its gradient. Value
// and gradient share one pass over the data: the gradient for the last point
// is cached for the Grad call L-BFGS makes at the same point.
type objective struct {
	x      *Design
	y      []bool
	lambda float64 // 1/C

	lastX []float64
	lastG []float64
}

func (o *objective) value(w []float64) float64 {
	if o.lastG == nil {
		o.lastG = make([]float64, len(w))
	}
	f := o.eval(w, o.lastG)
	o.lastX = append(o.lastX[:0], w...)
	return f
}

func (o *objective) grad(g, w []float64) {
	if o.lastX != nil && slices.Equal(o.lastX, w) {
		copy(g, o.lastG)
		return
	}
	o.eval(w, g)
}

// eval returns the objective divided by the number of rows (scaling that
// keeps the gradient tolerance independent of data size) and fills g.
func (o *objective) eval(w, g []float64) float64 {
	x := o.x
	p := x.NumCols
	b := w[p]
	for j := range g {
		g[j] = 0
	}
	var f float64
	for i := 0; i < x.Rows(); i++ {
		lo, hi := x.Start[i], x.Start[i+1]
		z := b
		for k := lo; k < hi; k++ {
			z += w[x.Col[k]] * x.Val[k]
		}
		// One exp serves both the loss and its derivative.
		e := math.Exp(-math.Abs(z))
		r := 1 / (1 + e) // sigmoid(|z|)
		if z < 0 {
			r = e * r
		}
		f += math.Max(z, 0) + math.Log1p(e)
		if o.y[i] {
			f -= z
			r--
		}
		for k := lo; k < hi; k++ {
			g[x.Col[k]] += r * x.Val[k]
		}
		g[p] += r
	}
	var reg float64
	for j := 0; j < p; j++ {
		reg += w[j] * w[j]
		g[j] += o.lambda * w[j]
	}
	f += 0.5 * o.lambda * reg
	inv := 1 / float64(x.Rows())
	for j := range g {
		g[j] *= inv
	}
	return f * inv
}
