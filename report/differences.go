package report

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/zpd-project/zpd/models/evaluate"
)

// Difference is a paired bootstrap interval of one protocol metric's
// difference between a model and the best other model on that metric:
// Value = metric(Model) − metric(Baseline), with Low and High its percentile
// interval (Level) over resamples of test learners. Both models are scored
// on the same resampled learners, so the interval is of the difference
// itself, narrower than two separate intervals suggest.
type Difference struct {
	// Metric is auc_ind, logloss_ind, ece_ind or auc_sup (the leaderboard's
	// JSON names).
	Metric   string `json:"metric"`
	Model    string `json:"model"`
	Baseline string `json:"baseline"`
	// Value, Low and High: model minus baseline. For AUC, above 0 favours
	// the model; for log-loss and ECE, below 0 does. NaN is null in JSON.
	Value     float64 `json:"value"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	Resamples int     `json:"resamples"`
	// Better is true when the whole interval favours the model, false when
	// it favours the baseline, and null when it spans 0.
	Better *bool `json:"better"`
}

// MarshalJSON writes d with NaN and ±Inf as null, which JSON cannot carry.
func (d Difference) MarshalJSON() ([]byte, error) {
	type plain Difference
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		plain
		Value *float64 `json:"value"`
		Low   *float64 `json:"low"`
		High  *float64 `json:"high"`
	}{plain(d), num(d.Value), num(d.Low), num(d.High)})
}

// metric is one protocol metric: its name, how it is computed on a ranked
// sample, whether higher is better, and whether it scores the support stage.
type metric struct {
	name    string
	compute func(r *ranked, w []float64) float64
	higher  bool
	sup     bool
	point   func(s *evaluate.ModelScore) float64
}

var metrics = []metric{
	{"auc_ind", (*ranked).auc, true, false, func(s *evaluate.ModelScore) float64 { return s.AUCInd }},
	{"logloss_ind", (*ranked).logLoss, false, false, func(s *evaluate.ModelScore) float64 { return s.LogLossInd }},
	{"ece_ind", (*ranked).ece, false, false, func(s *evaluate.ModelScore) float64 { return s.ECEInd }},
	{"auc_sup", (*ranked).auc, true, true, func(s *evaluate.ModelScore) float64 { return s.AUCSup }},
}

// Differences compares model with the best other model of lb on each metric
// (best by the point estimate) by a paired bootstrap over test learners
// (resamples resamples from seed). Variants of model (names model+"+…",
// such as elasticity+feedback) are not "other" models: the comparison is
// with the best competitor; Versus compares a variant. It returns nil when
// lb lacks model or any other model.
func Differences(lb *evaluate.Leaderboard, model string, resamples int, seed uint64) []Difference {
	return differences(lb, model, resamples, seed, func(mi int, mt metric) int { return bestOther(lb, mi, mt, model+"+") })
}

// Versus compares model with other on each metric by the same paired
// bootstrap as Differences. It returns nil when lb lacks either.
func Versus(lb *evaluate.Leaderboard, model, other string, resamples int, seed uint64) []Difference {
	oi := modelIndex(lb, other)
	if oi < 0 {
		return nil
	}
	return differences(lb, model, resamples, seed, func(int, metric) int { return oi })
}

func modelIndex(lb *evaluate.Leaderboard, name string) int {
	for i := range lb.Models {
		if lb.Models[i].Name == name {
			return i
		}
	}
	return -1
}

// differences compares model with the model pick chooses for each metric.
func differences(lb *evaluate.Leaderboard, model string, resamples int, seed uint64, pick func(mi int, mt metric) int) []Difference {
	mi := modelIndex(lb, model)
	if mi < 0 || len(lb.Models) < 2 {
		return nil
	}
	d := newBoardData(lb)
	var out []Difference
	for _, mt := range metrics {
		bi := pick(mi, mt)
		if bi < 0 || bi == mi || math.IsNaN(mt.point(&lb.Models[bi])) {
			continue
		}
		rm, rb := d.ranked(&lb.Models[mi], mt.sup), d.ranked(&lb.Models[bi], mt.sup)
		iv := Bootstrap(d.learners, resamples, seed, func(cw []float64) float64 {
			w := d.weights(cw, mt.sup)
			return mt.compute(rm, w) - mt.compute(rb, w)
		})
		out = append(out, newDifference(mt, model, lb.Models[bi].Name, iv))
	}
	return out
}

// bestOther returns the index of the best model other than mi on mt, or
// -1, leaving out models whose names start with variant.
func bestOther(lb *evaluate.Leaderboard, mi int, mt metric, variant string) int {
	best := -1
	for i := range lb.Models {
		v := mt.point(&lb.Models[i])
		if i == mi || math.IsNaN(v) || strings.HasPrefix(lb.Models[i].Name, variant) {
			continue
		}
		if b := best; b < 0 || (mt.higher && v > mt.point(&lb.Models[b])) || (!mt.higher && v < mt.point(&lb.Models[b])) {
			best = i
		}
	}
	return best
}

func newDifference(mt metric, model, baseline string, iv Interval) Difference {
	d := Difference{Metric: mt.name, Model: model, Baseline: baseline, Value: iv.Value, Low: iv.Low, High: iv.High,
		Resamples: iv.Resamples}
	sign := 1.0
	if !mt.higher {
		sign = -1
	}
	switch {
	case sign*iv.Low > 0 && sign*iv.High > 0:
		t := true
		d.Better = &t
	case sign*iv.Low < 0 && sign*iv.High < 0:
		f := false
		d.Better = &f
	}
	return d
}

// boardData holds a leaderboard's test outcomes arranged for resampling
// learners: each attempt's learner, and the attempts failed alone (where
// the support stage is scored).
type boardData struct {
	lb         *evaluate.Leaderboard
	clusterOf  []int
	learners   int
	supRows    []int
	yInd, ySup []bool
	wInd, wSup []float64
}

func newBoardData(lb *evaluate.Leaderboard) *boardData {
	d := &boardData{lb: lb}
	d.clusterOf, d.learners = testClusters(lb.Test)
	d.yInd = make([]bool, len(lb.Test))
	for k, t := range lb.Test {
		d.yInd[k] = t.Independent
		if !t.Independent {
			d.supRows = append(d.supRows, k)
			d.ySup = append(d.ySup, t.Supported)
		}
	}
	d.wInd, d.wSup = make([]float64, len(lb.Test)), make([]float64, len(d.supRows))
	return d
}

// ranked returns a model's predictions on the test attempts (sup: the
// support stage on attempts failed alone) ready for weighted metrics.
func (d *boardData) ranked(m *evaluate.ModelScore, sup bool) *ranked {
	if sup {
		p := make([]float64, len(d.supRows))
		for i, k := range d.supRows {
			p[i] = m.Predictions[k].Supported
		}
		return newRanked(d.ySup, p)
	}
	p := make([]float64, len(d.lb.Test))
	for k, pr := range m.Predictions {
		p[k] = pr.Independent
	}
	return newRanked(d.yInd, p)
}

// weights expands per-learner weights cw to attempt weights of one stage.
func (d *boardData) weights(cw []float64, sup bool) []float64 {
	for k, c := range d.clusterOf {
		d.wInd[k] = cw[c]
	}
	if !sup {
		return d.wInd
	}
	for i, k := range d.supRows {
		d.wSup[i] = d.wInd[k]
	}
	return d.wSup
}
