package report

import (
	"math"
	"math/rand/v2"
	"sort"
)

// DefaultResamples is the number of bootstrap resamples when
// Options.Resamples is zero.
const DefaultResamples = 200

// Interval is a point estimate with a percentile bootstrap confidence
// interval. Low and High are NaN when no resample gave a defined statistic.
type Interval struct {
	Value, Low, High float64
	// Resamples counts the resamples whose statistic was defined (not NaN).
	Resamples int
}

// Level is the coverage of every Interval in a report.
const Level = 0.95

// Bootstrap resamples clusters (learners) with replacement and returns the
// percentile interval (Level) of stat. stat receives per-cluster weights:
// w[c] is how many times cluster c was drawn; the point estimate is stat
// with every weight 1. Resampling whole learners, not attempts, keeps each
// learner's correlated attempts together, as the protocol's unit of
// generalisation is the learner. The same seed gives the same interval.
func Bootstrap(clusters, resamples int, seed uint64, stat func(w []float64) float64) Interval {
	w := make([]float64, clusters)
	for c := range w {
		w[c] = 1
	}
	iv := Interval{Value: stat(w), Low: math.NaN(), High: math.NaN()}
	reps := replicates(clusters, resamples, seed, stat)
	iv.Resamples = len(reps)
	if len(reps) > 0 {
		iv.Low = quantile(reps, (1-Level)/2)
		iv.High = quantile(reps, 1-(1-Level)/2)
	}
	return iv
}

// replicates returns the defined values of stat over resamples resamples,
// sorted.
func replicates(clusters, resamples int, seed uint64, stat func(w []float64) float64) []float64 {
	if clusters == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x7a7064)) // second word: "zpd"
	w := make([]float64, clusters)
	reps := make([]float64, 0, resamples)
	for range resamples {
		clear(w)
		for range clusters {
			w[rng.IntN(clusters)]++
		}
		if v := stat(w); !math.IsNaN(v) {
			reps = append(reps, v)
		}
	}
	sort.Float64s(reps)
	return reps
}

// quantile returns the q-quantile of sorted values, interpolating linearly
// between order statistics (Hyndman & Fan type 7, R's and NumPy's default).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
