package report

import (
	"math"
	"sort"

	"github.com/zpd-project/zpd/models/evaluate"
)

// ROCPoint is one vertex of an empirical ROC curve.
type ROCPoint struct{ FPR, TPR float64 }

// ROC returns the empirical ROC curve of scores p for labels y: vertices from
// (0,0) to (1,1) as the threshold falls through the distinct scores, so tied
// scores give one diagonal segment (and the area under the curve equals
// evaluate.AUC). It is nil when either class is absent.
func ROC(y []bool, p []float64) []ROCPoint {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	var pos, neg float64
	for _, v := range y {
		if v {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return nil
	}
	curve := []ROCPoint{{0, 0}}
	var tp, fp float64
	for lo := 0; lo < len(order); {
		hi := lo
		for hi < len(order) && p[order[hi]] == p[order[lo]] {
			if y[order[hi]] {
				tp++
			} else {
				fp++
			}
			hi++
		}
		curve = append(curve, ROCPoint{fp / neg, tp / pos})
		lo = hi
	}
	return curve
}

// ABROCA returns the absolute between-ROC area of two ROC curves (Gardner,
// Brooks & Baker 2019, "Evaluating the fairness of predictive student
// models through slicing analysis"): ∫₀¹ |TPR_a(f) − TPR_b(f)| df over the
// false-positive rate f. Both curves are piecewise linear, so the integral
// is exact, crossings included. It is NaN when either curve is nil.
func ABROCA(a, b []ROCPoint) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	breaks := make([]float64, 0, len(a)+len(b))
	for _, pt := range a {
		breaks = append(breaks, pt.FPR)
	}
	for _, pt := range b {
		breaks = append(breaks, pt.FPR)
	}
	sort.Float64s(breaks)
	var area float64
	for i := 1; i < len(breaks); i++ {
		t0, t1 := breaks[i-1], breaks[i]
		if t1 <= t0 {
			continue
		}
		// Between breakpoints both curves are straight: take the values just
		// inside the interval, so vertical jumps at its ends do not count.
		d0 := tprAt(a, t0, true) - tprAt(b, t0, true)
		d1 := tprAt(a, t1, false) - tprAt(b, t1, false)
		area += absLinearArea(d0, d1, t1-t0)
	}
	return area
}

// tprAt returns the curve's TPR just right of f (right) or just left of f.
// A vertical segment at f makes the two differ.
func tprAt(c []ROCPoint, f float64, right bool) float64 {
	// k is the first vertex past f (right) or at or past f (left).
	k := sort.Search(len(c), func(i int) bool {
		if right {
			return c[i].FPR > f
		}
		return c[i].FPR >= f
	})
	switch {
	case k == 0:
		return c[0].TPR
	case k == len(c):
		return c[len(c)-1].TPR
	}
	p0, p1 := c[k-1], c[k]
	if p1.FPR == p0.FPR {
		return p1.TPR
	}
	return p0.TPR + (f-p0.FPR)/(p1.FPR-p0.FPR)*(p1.TPR-p0.TPR)
}

// absLinearArea is ∫ |d(x)| over an interval of width w on which d goes
// linearly from d0 to d1.
func absLinearArea(d0, d1, w float64) float64 {
	if d0*d1 >= 0 {
		return w * (math.Abs(d0) + math.Abs(d1)) / 2
	}
	r := d0 / (d0 - d1) // where d crosses zero, as a fraction of w
	return w * (r*math.Abs(d0) + (1-r)*math.Abs(d1)) / 2
}

// ReliabilityBin is one bin of a reliability (calibration) diagram.
type ReliabilityBin struct {
	Low, High     float64 // the bin's range of predicted probability
	MeanPredicted float64
	Observed      float64 // observed success rate
	N             int
}

// Reliability bins predictions p into bins equal-width bins on [0,1] (the
// protocol's ECE bins when bins is evaluate.ECEBins) and returns the
// non-empty bins with their mean prediction and observed rate.
func Reliability(y []bool, p []float64, bins int) []ReliabilityBin {
	if bins < 1 {
		return nil
	}
	out := make([]ReliabilityBin, bins)
	for b := range out {
		out[b].Low, out[b].High = float64(b)/float64(bins), float64(b+1)/float64(bins)
	}
	for i, v := range p {
		b := max(min(int(v*float64(bins)), bins-1), 0)
		out[b].N++
		out[b].MeanPredicted += v
		if y[i] {
			out[b].Observed++
		}
	}
	kept := out[:0]
	for _, b := range out {
		if b.N > 0 {
			b.MeanPredicted /= float64(b.N)
			b.Observed /= float64(b.N)
			kept = append(kept, b)
		}
	}
	return kept
}

// ranked holds labelled predictions sorted by score, so each bootstrap
// resample scores in linear time with per-attempt weights.
type ranked struct {
	y     []bool
	p     []float64
	order []int // attempt indexes by ascending p
}

func newRanked(y []bool, p []float64) *ranked {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] < p[order[b]] })
	return &ranked{y: y, p: p, order: order}
}

// auc is evaluate.AUC of the data with attempt i repeated w[i] times.
func (r *ranked) auc(w []float64) float64 {
	var negBelow, num, pos float64
	for lo := 0; lo < len(r.order); {
		var wp, wn float64
		hi := lo
		for hi < len(r.order) && r.p[r.order[hi]] == r.p[r.order[lo]] {
			i := r.order[hi]
			if r.y[i] {
				wp += w[i]
			} else {
				wn += w[i]
			}
			hi++
		}
		num += wp * (negBelow + wn/2) // ties count one half
		negBelow += wn
		pos += wp
		lo = hi
	}
	if pos == 0 || negBelow == 0 {
		return math.NaN()
	}
	return num / (pos * negBelow)
}

// logLoss is evaluate.LogLoss with attempt i repeated w[i] times.
func (r *ranked) logLoss(w []float64) float64 {
	var sum, n float64
	for i, v := range r.p {
		if w[i] == 0 {
			continue
		}
		v = math.Min(math.Max(v, evaluate.LogLossEps), 1-evaluate.LogLossEps)
		if r.y[i] {
			sum -= w[i] * math.Log(v)
		} else {
			sum -= w[i] * math.Log1p(-v)
		}
		n += w[i]
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / n
}

// ece is evaluate.ECE (evaluate.ECEBins bins) with attempt i repeated w[i]
// times.
func (r *ranked) ece(w []float64) float64 {
	const bins = evaluate.ECEBins
	var count, sumY, sumP [bins]float64
	var n float64
	for i, v := range r.p {
		b := max(min(int(v*bins), bins-1), 0)
		count[b] += w[i]
		sumP[b] += w[i] * v
		if r.y[i] {
			sumY[b] += w[i]
		}
		n += w[i]
	}
	if n == 0 {
		return math.NaN()
	}
	var tot float64
	for b := range count {
		tot += math.Abs(sumY[b] - sumP[b])
	}
	return tot / n
}
