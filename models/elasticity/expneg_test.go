package elasticity

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpNegAccuracy compares expNeg with math.Exp over its whole domain:
// relative error within 1e-15 (the doc comment's claim) down to −700, and
// 0 below, where e^x < 1e-304.
func TestExpNegAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, -1e-300, -math.SmallestNonzeroFloat64, -math.Ln2 / 2, -math.Ln2, -1, -20, -699.999}
	for range 200000 {
		xs = append(xs, -700*rng.Float64(), -5*rng.Float64())
	}
	worst, at := 0.0, 0.0
	for _, x := range xs {
		got, want := expNeg(x), math.Exp(x)
		if rel := math.Abs(got-want) / want; rel > worst {
			worst, at = rel, x
		}
	}
	if worst > 1e-15 {
		t.Errorf("expNeg relative error %.3g at x = %v, want ≤ 1e-15", worst, at)
	}
	for _, x := range []float64{-700.5, -745, -1e6, math.Inf(-1)} {
		if got := expNeg(x); got != 0 {
			t.Errorf("expNeg(%v) = %v, want 0", x, got)
		}
	}
	for _, x := range []float64{-3, -0.5, 0} {
		if s, want := sigmoid(x), 1/(1+math.Exp(-x)); math.Abs(s-want) > 1e-15 {
			t.Errorf("sigmoid(%v) = %v, want %v", x, s, want)
		}
	}
}
