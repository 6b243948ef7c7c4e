package logistic

import (
	"context"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"math/rand/v2"
	"testing"
)

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// table builds a design with one binary feature: n0 rows with x=0 of which
// k0 succeed, n1 rows with x=1 of which k1 succeed.
func table(n0, k0, n1, k1 int) (*Design, []bool) {
	d := NewDesign(1)
	var y []bool
	for i := 0; i < n0; i++ {
		d.AddRow(nil, nil)
		y = append(y, i < k0)
	}
	for i := 0; i < n1; i++ {
		d.AddRow([]int32{0}, []float64{1})
		y = append(y, i < k1)
	}
	return d, y
}

func TestFitClosedForms(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name           string
		n0, k0, n1, k1 int
		c              float64
		wantB, wantW   float64
	}{
		// Unregularised MLE of a 2x2 table: b = logit(k0/n0), w = logit(k1/n1) - b.
		{"weak prior", 40, 10, 60, 45, 1e9, logit(0.25), logit(0.75) - logit(0.25)},
		{"weak prior balanced", 10, 5, 30, 6, 1e9, 0, logit(0.2)},
		// Overwhelming prior: w = 0, intercept = logit of the overall rate.
		{"strong prior", 40, 10, 60, 45, 1e-9, logit(55.0 / 100), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, y := table(tc.n0, tc.k0, tc.n1, tc.k1)
			w, err := Fit(ctx, d, y, tc.c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(w.Intercept-tc.wantB) > 1e-4 || math.Abs(w.Coef[0]-tc.wantW) > 1e-4 {
				t.Errorf("got b=%.6f w=%.6f, want b=%.6f w=%.6f", w.Intercept, w.Coef[0], tc.wantB, tc.wantW)
			}
		})
	}
}

// TestFitStationary checks the optimality conditions of the penalised
// problem directly: X^T(p-y) + w/C = 0 and sum(p-y) = 0, to the requested
// tolerance on the mean gradient.
func TestFitStationary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 400, 12
	d := NewDesign(cols)
	y := make([]bool, rows)
	truth := make([]float64, cols)
	for j := range truth {
		truth[j] = rng.NormFloat64()
	}
	for i := 0; i < rows; i++ {
		var cs []int32
		var vs []float64
		z := -0.3
		for j := 0; j < cols; j++ {
			if rng.Float64() < 0.3 {
				v := rng.Float64() * 2
				cs = append(cs, int32(j))
				vs = append(vs, v)
				z += truth[j] * v
			}
		}
		d.AddRow(cs, vs)
		y[i] = rng.Float64() < numeric.Sigmoid(z)
	}
	const c, tol = 0.5, 1e-9
	w, err := Fit(context.Background(), d, y, c, Options{GradTol: tol})
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, cols)
	var gb float64
	for i := 0; i < rows; i++ {
		cs, vs := d.Col[d.Start[i]:d.Start[i+1]], d.Val[d.Start[i]:d.Start[i+1]]
		r := numeric.Sigmoid(w.Score(cs, vs))
		if y[i] {
			r--
		}
		for k, cc := range cs {
			g[cc] += r * vs[k]
		}
		gb += r
	}
	for j := range g {
		g[j] += w.Coef[j] / c
		if math.Abs(g[j]) > tol*rows {
			t.Errorf("gradient[%d] = %g at the fit", j, g[j])
		}
	}
	if math.Abs(gb) > tol*rows {
		t.Errorf("intercept gradient = %g at the fit", gb)
	}
}

func TestFitGradientMatchesFiniteDifference(t *testing.T) {
	d, y := table(7, 3, 9, 8)
	o := &objective{x: d, y: y, lambda: 2}
	w := []float64{0.4, -0.2}
	g := make([]float64, 2)
	o.eval(w, g)
	const h = 1e-6
	for j := range w {
		wp := append([]float64(nil), w...)
		wm := append([]float64(nil), w...)
		wp[j] += h
		wm[j] -= h
		fd := (o.eval(wp, make([]float64, 2)) - o.eval(wm, make([]float64, 2))) / (2 * h)
		if math.Abs(fd-g[j]) > 1e-7 {
			t.Errorf("d/dw[%d]: analytic %g, finite difference %g", j, g[j], fd)
		}
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	d, y := table(3, 1, 3, 2)
	ctx := context.Background()
	if _, err := Fit(ctx, d, y[:2], 1, Options{}); err == nil {
		t.Error("label count mismatch accepted")
	}
	if _, err := Fit(ctx, d, y, 0, Options{}); err == nil {
		t.Error("C = 0 accepted")
	}
	bad := NewDesign(1)
	bad.AddRow([]int32{3}, []float64{1})
	if _, err := Fit(ctx, bad, []bool{true}, 1, Options{}); err == nil {
		t.Error("out-of-range column accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Fit(cancelled, d, y, 1, Options{}); err == nil {
		t.Error("cancelled context ignored")
	}
}

func TestSigmoidExtremes(t *testing.T) {
	for _, tc := range []struct{ z, want float64 }{{0, 0.5}, {800, 1}, {-800, 0}, {math.Log(3), 0.75}} {
		if got := numeric.Sigmoid(tc.z); math.Abs(got-tc.want) > 1e-15 || math.IsNaN(got) {
			t.Errorf("numeric.Sigmoid(%g) = %g, want %g", tc.z, got, tc.want)
		}
	}
}

// BenchmarkFit fits a design shaped like Best-LR on the ASSISTments
// excerpt: 12k rows, 8k sparse indicator columns plus dense counts.
func BenchmarkFit(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, items, skills = 12000, 8000, 100
	d := NewDesign(items + skills + 4)
	y := make([]bool, rows)
	for i := 0; i < rows; i++ {
		cols := []int32{int32(rng.IntN(items)), int32(items + rng.IntN(skills))}
		vals := []float64{1, 1}
		for j := 0; j < 4; j++ {
			cols = append(cols, int32(items+skills+j))
			vals = append(vals, math.Log1p(float64(rng.IntN(50))))
		}
		d.AddRow(cols, vals)
		y[i] = rng.Float64() < 0.65
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(context.Background(), d, y, 0.3, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
