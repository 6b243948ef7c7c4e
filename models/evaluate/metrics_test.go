package evaluate

import (
	"math"
	"testing"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name string
		y    []bool
		p    []float64
		want float64
	}{
		{"perfect", []bool{true, false, true, false}, []float64{.9, .1, .8, .3}, 1},
		{"reversed", []bool{false, true}, []float64{.9, .1}, 0},
		// pairs (pos,neg): (.8,.6) win, (.8,.2) win, (.4,.6) loss, (.4,.2) win
		{"three of four", []bool{true, true, false, false}, []float64{.8, .4, .6, .2}, 0.75},
		// pairs: (.5,.5) tie = 1/2, (.5,.2) win
		{"tie half credit", []bool{true, false, false}, []float64{.5, .5, .2}, 0.75},
		{"all tied", []bool{true, false, true, false}, []float64{.3, .3, .3, .3}, 0.5},
		{"no negatives", []bool{true, true}, []float64{.2, .4}, math.NaN()},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AUC(tc.y, tc.p)
			if !sameFloat(got, tc.want, 1e-12) {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLogLoss(t *testing.T) {
	tests := []struct {
		name string
		y    []bool
		p    []float64
		want float64
	}{
		{"two", []bool{true, false}, []float64{.8, .4}, -(math.Log(.8) + math.Log(.6)) / 2},
		{"half", []bool{true, false, true}, []float64{.5, .5, .5}, math.Ln2},
		{"clipped zero", []bool{true}, []float64{0}, -math.Log(1e-15)},
		{"clipped one", []bool{false}, []float64{1}, -math.Log(1e-15)},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := LogLoss(tc.y, tc.p)
			// The clipped cases lose precision in 1-(1-1e-15).
			if !sameFloat(got, tc.want, 1e-3*math.Max(1e-9, math.Abs(tc.want))) {
				t.Errorf("LogLoss = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestECE(t *testing.T) {
	tests := []struct {
		name string
		y    []bool
		p    []float64
		want float64
	}{
		// bin 0: |1-.05|; bin 1: |0-.15|; bin 9 (p=1 included): 2*|1-.975|
		{"bins", []bool{true, false, true, true}, []float64{.05, .15, .95, 1}, (0.95 + 0.15 + 0.05) / 4},
		// one bin, rate 3/5, mean p .6: calibrated
		{"calibrated", []bool{true, true, true, false, false}, []float64{.6, .6, .6, .6, .6}, 0},
		// bin 3 holds .3 and .39 (mean .345, rate 1); bin 7 holds .7 (rate 0)
		{"edges", []bool{true, true, false}, []float64{.3, .39, .7}, (2*0.655 + 0.7) / 3},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ECE(tc.y, tc.p, ECEBins)
			if !sameFloat(got, tc.want, 1e-12) {
				t.Errorf("ECE = %v, want %v", got, tc.want)
			}
		})
	}
}

func sameFloat(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}
