package evaluate

import (
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"sort"
)

// LogLossEps clips probabilities to [LogLossEps, 1-LogLossEps] in LogLoss.
const LogLossEps = numeric.LogLossEps

// ECEBins is the protocol's number of equal-width calibration bins.
const ECEBins = 10

// AUC returns the area under the ROC curve of scores p for labels y: the
// Mann–Whitney probability that a random positive outscores a random
// negative, ties counting one half. It is NaN when either class is absent.
func AUC(y []bool, p []float64) float64 {
	n := len(y)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] < p[order[b]] })
	var pos int
	var rankSum float64 // sum of the (1-based, tie-averaged) ranks of positives
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && p[order[hi]] == p[order[lo]] {
			hi++
		}
		avg := float64(lo+1+hi) / 2 // mean of ranks lo+1 .. hi
		for _, i := range order[lo:hi] {
			if y[i] {
				pos++
				rankSum += avg
			}
		}
		lo = hi
	}
	neg := n - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	np := float64(pos)
	return (rankSum - np*(np+1)/2) / (np * float64(neg))
}

// LogLoss returns the mean negative log-likelihood of labels y under
// probabilities p, each clipped to [LogLossEps, 1-LogLossEps]. It is NaN for
// no attempts.
func LogLoss(y []bool, p []float64) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	var sum float64
	for i, v := range p {
		sum += numeric.LogLoss(y[i], v)
	}
	return sum / float64(len(y))
}

// ECE returns the expected calibration error of p for labels y over bins
// equal-width bins on [0,1] (p == 1 falls in the last bin): the
// attempt-weighted mean over bins of |observed rate - mean prediction|. It
// is NaN for no attempts.
func ECE(y []bool, p []float64, bins int) float64 {
	if len(y) == 0 || bins < 1 {
		return math.NaN()
	}
	count := make([]int, bins)
	sumY := make([]float64, bins)
	sumP := make([]float64, bins)
	for i, v := range p {
		b := min(int(v*float64(bins)), bins-1)
		b = max(b, 0)
		count[b]++
		sumP[b] += v
		if y[i] {
			sumY[b]++
		}
	}
	var tot float64
	for b, c := range count {
		if c > 0 {
			tot += math.Abs(sumY[b] - sumP[b]) // = c * |mean y - mean p|
		}
	}
	return tot / float64(len(y))
}
