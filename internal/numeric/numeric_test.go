package numeric

import (
	"math"
	"testing"
)

func TestSigmoidLogit(t *testing.T) {
	for _, z := range []float64{-800, -30, -2.5, 0, 0.7, 30, 800} {
		s := Sigmoid(z)
		if math.IsNaN(s) || s < 0 || s > 1 {
			t.Fatalf("Sigmoid(%v) = %v", z, s)
		}
		if want := 1 / (1 + math.Exp(-z)); math.Abs(s-want) > 1e-15 {
			t.Errorf("Sigmoid(%v) = %v, want %v", z, s, want)
		}
		if math.Abs(z) < 20 && math.Abs(Logit(s)-z) > 1e-9 {
			t.Errorf("Logit(Sigmoid(%v)) = %v", z, Logit(s))
		}
	}
	if l0, l1 := Logit(0), Logit(1); math.IsInf(l0, 0) || math.IsInf(l1, 0) || l0 >= l1 {
		t.Errorf("Logit(0), Logit(1) = %v, %v: want finite and ordered", l0, l1)
	}
}

func TestLogLoss(t *testing.T) {
	tests := []struct {
		y    bool
		p    float64
		want float64
	}{
		{true, 0.5, math.Ln2}, {false, 0.5, math.Ln2}, {true, 1, 0}, {false, 0.25, -math.Log(0.75)},
		{true, 0, -math.Log(LogLossEps)},
	}
	for _, tt := range tests {
		if got := LogLoss(tt.y, tt.p); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("LogLoss(%v, %v) = %v, want %v", tt.y, tt.p, got, tt.want)
		}
	}
}

func TestInverse2(t *testing.T) {
	a := [2][2]float64{{2, 0.5}, {0.3, 1.5}}
	inv := Inverse2(a)
	for i := range 2 {
		for j := range 2 {
			v := a[i][0]*inv[0][j] + a[i][1]*inv[1][j]
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(v-want) > 1e-12 {
				t.Errorf("(a·a⁻¹)[%d][%d] = %v", i, j, v)
			}
		}
	}
}

func TestInverse3(t *testing.T) {
	tests := [][3][3]float64{
		{{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}},
		{{1, 0, 0}, {0, 2, 0}, {0, 0, 5}},
		{{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}},
		{{0, 1, 2}, {1, 0, 3}, {4, -3, 8}},
	}
	for _, a := range tests {
		inv := Inverse3(a)
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				s := 0.0
				for k := 0; k < 3; k++ {
					s += a[i][k] * inv[k][j]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(s-want) > 1e-12 {
					t.Fatalf("a·Inverse3(a)[%d][%d] = %v for %v, want %v", i, j, s, a, want)
				}
			}
		}
	}
}
