package report

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/zpd-project/zpd/models/evaluate"
)

// TestBootstrapTwoLearners: two learners with values 0 and 1 and the mean
// over drawn learners as the statistic. A resample draws (0,0), (0,1),
// (1,0) or (1,1) with equal probability, so replicates take the values 0,
// 1/2 and 1 with probabilities 1/4, 1/2, 1/4, and the 2.5% and 97.5%
// quantiles of that distribution are 0 and 1.
func TestBootstrapTwoLearners(t *testing.T) {
	values := []float64{0, 1}
	mean := func(w []float64) float64 {
		var s, n float64
		for c, x := range w {
			s += x * values[c]
			n += x
		}
		return s / n
	}
	reps := replicates(2, 4000, 1, mean)
	count := map[float64]int{}
	for _, r := range reps {
		count[r]++
	}
	if len(count) != 3 || count[0]+count[0.5]+count[1] != 4000 {
		t.Fatalf("replicate values %v, want only 0, 0.5, 1", count)
	}
	for v, want := range map[float64]float64{0: 0.25, 0.5: 0.5, 1: 0.25} {
		if got := float64(count[v]) / 4000; math.Abs(got-want) > 0.03 {
			t.Errorf("P(%v) = %.3f, want %.2f", v, got, want)
		}
	}
	iv := Bootstrap(2, 4000, 1, mean)
	if iv.Value != 0.5 || iv.Low != 0 || iv.High != 1 || iv.Resamples != 4000 {
		t.Errorf("interval %+v, want 0.5 [0, 1] over 4000 resamples", iv)
	}
}

// TestBootstrapResamplesLearnersNotAttempts: learner A has three successes,
// learner B one failure; the statistic is the success rate over attempts.
// Drawing whole learners gives AA = 1, BB = 0 and AB = 3/4 only (an
// attempt-level bootstrap would also give 1/4, 1/2, 2/3...).
func TestBootstrapResamplesLearnersNotAttempts(t *testing.T) {
	attempts := [][]bool{{true, true, true}, {false}}
	rate := func(w []float64) float64 {
		var s, n float64
		for c, ys := range attempts {
			for _, y := range ys {
				n += w[c]
				if y {
					s += w[c]
				}
			}
		}
		return s / n
	}
	for _, r := range replicates(2, 500, 7, rate) {
		if r != 0 && r != 0.75 && r != 1 {
			t.Fatalf("replicate %v: not a mixture of whole learners", r)
		}
	}
	if iv := Bootstrap(2, 500, 7, rate); iv.Value != 0.75 {
		t.Errorf("point estimate %v, want 3/4", iv.Value)
	}
}

func TestBootstrapDeterministicAndUndefined(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	vals := make([]float64, 40)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	mean := func(w []float64) float64 {
		var s, n float64
		for c, x := range w {
			s += x * vals[c]
			n += x
		}
		return s / n
	}
	a, b := Bootstrap(40, 200, 9, mean), Bootstrap(40, 200, 9, mean)
	if a != b {
		t.Errorf("same seed, different intervals: %+v vs %+v", a, b)
	}
	if c := Bootstrap(40, 200, 10, mean); c == a {
		t.Errorf("different seeds gave the identical interval %+v", c)
	}
	if !(a.Low < a.Value && a.Value < a.High) {
		t.Errorf("interval %+v does not bracket the mean", a)
	}
	undefined := Bootstrap(5, 50, 1, func([]float64) float64 { return math.NaN() })
	if undefined.Resamples != 0 || !math.IsNaN(undefined.Low) || !math.IsNaN(undefined.High) {
		t.Errorf("undefined statistic gave %+v, want NaN bounds and 0 resamples", undefined)
	}
	if empty := Bootstrap(0, 50, 1, mean); empty.Resamples != 0 {
		t.Errorf("no learners gave %+v", empty)
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5}
	tests := []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {1, 5}, {0.25, 2}, {0.1, 1.4}, {0.975, 4.9}}
	for _, tc := range tests {
		if got := quantile(s, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// TestWeightedMetricsMatchRepeatedRows: scoring with integer weights is the
// protocol's metric on the data with each attempt repeated that many times.
func TestWeightedMetricsMatchRepeatedRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	for trial := range 20 {
		n := 5 + rng.IntN(40)
		y := make([]bool, n)
		p := make([]float64, n)
		w := make([]float64, n)
		var ey []bool
		var ep []float64
		for i := range n {
			y[i] = rng.Float64() < 0.6
			p[i] = float64(rng.IntN(8)) / 7 // ties on purpose, 0 and 1 included
			w[i] = float64(rng.IntN(4))
			for range int(w[i]) {
				ey, ep = append(ey, y[i]), append(ep, p[i])
			}
		}
		r := newRanked(y, p)
		checks := []struct {
			name      string
			got, want float64
		}{
			{"AUC", r.auc(w), evaluate.AUC(ey, ep)},
			{"log-loss", r.logLoss(w), evaluate.LogLoss(ey, ep)},
			{"ECE", r.ece(w), evaluate.ECE(ey, ep, evaluate.ECEBins)},
		}
		for _, c := range checks {
			if !sameFloat(c.got, c.want, 1e-9) {
				t.Errorf("trial %d %s: weighted %v, repeated rows %v", trial, c.name, c.got, c.want)
			}
		}
	}
}

func TestROC(t *testing.T) {
	tests := []struct {
		name string
		y    []bool
		p    []float64
		want []ROCPoint
	}{
		{"alternating", []bool{true, false, true, false}, []float64{.8, .6, .4, .2},
			[]ROCPoint{{0, 0}, {0, .5}, {.5, .5}, {.5, 1}, {1, 1}}},
		{"tie is one diagonal step", []bool{true, false, false}, []float64{.5, .5, .2},
			[]ROCPoint{{0, 0}, {.5, 1}, {1, 1}}},
		{"one class", []bool{true, true}, []float64{.1, .9}, nil},
	}
	for _, tc := range tests {
		got := ROC(tc.y, tc.p)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: ROC = %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: ROC = %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

func TestABROCA(t *testing.T) {
	perfect := []ROCPoint{{0, 0}, {0, 1}, {1, 1}}
	reversed := []ROCPoint{{0, 0}, {1, 0}, {1, 1}}
	chance := []ROCPoint{{0, 0}, {1, 1}}
	// y = 1,0,1,0 by falling score: above chance by 1/2 - f on [0,1/2] and 1 - f on [1/2,1].
	above := []ROCPoint{{0, 0}, {0, .5}, {.5, .5}, {.5, 1}, {1, 1}}
	// y = 0,1,0,1: the mirror image below chance.
	below := []ROCPoint{{0, 0}, {.5, 0}, {.5, .5}, {1, .5}, {1, 1}}
	// y = 1,0,0,1: TPR 1/2 on (0,1): crosses chance at f = 1/2.
	crossing := []ROCPoint{{0, 0}, {0, .5}, {1, .5}, {1, 1}}
	tests := []struct {
		name string
		a, b []ROCPoint
		want float64
	}{
		{"identical", above, above, 0},
		{"perfect vs reversed", perfect, reversed, 1},
		{"perfect vs chance", perfect, chance, 0.5},
		{"steps vs chance", above, chance, 0.25},        // 1/8 + 1/8
		{"steps vs mirror", above, below, 0.5},          // 1/2 on both halves
		{"crossing vs chance", crossing, chance, 0.25},  // signed area 0, absolute 1/8 + 1/8
		{"crossing vs perfect", crossing, perfect, 0.5}, // 1 - 1/2 everywhere
		{"undefined", nil, chance, math.NaN()},
	}
	for _, tc := range tests {
		got := ABROCA(tc.a, tc.b)
		if !sameFloat(got, tc.want, 1e-12) {
			t.Errorf("%s: ABROCA = %v, want %v", tc.name, got, tc.want)
		}
		if back := ABROCA(tc.b, tc.a); !sameFloat(back, got, 1e-12) {
			t.Errorf("%s: ABROCA not symmetric: %v vs %v", tc.name, got, back)
		}
	}
	// From scores: the AUC difference bounds ABROCA from below.
	y := []bool{true, false, true, false, true, false}
	pa := []float64{.9, .8, .7, .3, .6, .1}
	pb := []float64{.2, .8, .7, .9, .6, .1}
	ab := ABROCA(ROC(y, pa), ROC(y, pb))
	if d := math.Abs(evaluate.AUC(y, pa) - evaluate.AUC(y, pb)); ab < d-1e-12 {
		t.Errorf("ABROCA %v below |ΔAUC| %v", ab, d)
	}
}

func TestReliability(t *testing.T) {
	y := []bool{true, false, true, true, false}
	p := []float64{.05, .15, .12, .95, 1}
	got := Reliability(y, p, 10)
	want := []ReliabilityBin{
		{0, .1, .05, 1, 1},
		{.1, .2, .135, .5, 2},
		{.9, 1, .975, .5, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("bins %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.N != w.N || !sameFloat(g.MeanPredicted, w.MeanPredicted, 1e-12) || !sameFloat(g.Observed, w.Observed, 1e-12) ||
			!sameFloat(g.Low, w.Low, 1e-12) || !sameFloat(g.High, w.High, 1e-12) {
			t.Errorf("bin %d = %+v, want %+v", i, g, w)
		}
	}
}

func sameFloat(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}
