package report

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/elasticity"
)

// RateEstimate is one global learning rate γ_c of the elasticity model: how
// much a unit of a practice feature (earlier attempts on the skill with one
// outcome) adds to ability, in logits.
type RateEstimate struct {
	Feature string // "count" (f(n) of earlier attempts) or "recency" (recency-weighted count)
	Outcome string // "failed", "supported" or "independent"
	Value   float64
	// SD and the 95% interval Low..High are NaN when not computed (no data,
	// or the rate is fixed by the model's config).
	SD, Low, High float64
	// Used is false when the model's config fixes the rate at 0.
	Used bool
}

// nRates is the number of global practice features (elasticity.Params.Rates).
const nRates = len(elasticity.Params{}.Rates)

// rateNames returns feature and outcome names of rate c in
// elasticity.Params.Rates order: counts, then recency, each by Outcome.
func rateNames(c int) (feature, outcome string) {
	feature = "count"
	if c >= 3 {
		feature = "recency"
	}
	return feature, elasticity.Outcome(c % 3).String()
}

// learningRates returns the model's global learning rates. With a log it
// adds Laplace intervals (rateInformation); the note says how they were
// computed or why they are missing.
func learningRates(m *elasticity.Model, log *datasets.Log) ([]RateEstimate, string) {
	p := m.Params()
	out := make([]RateEstimate, nRates)
	for c := range out {
		f, o := rateNames(c)
		out[c] = RateEstimate{Feature: f, Outcome: o, Value: p.Rates[c], SD: math.NaN(), Low: math.NaN(), High: math.NaN(),
			Used: p.Config.Learning && (c < 3 || p.Config.Recency)}
	}
	switch {
	case !p.Config.Learning:
		return out, "The model was fitted with learning off: every rate is fixed at 0."
	case log == nil:
		return out, "Intervals need the attempt log (--data); the model stores no standard errors for the rates."
	}
	info, err := rateInformation(m, log)
	if err != nil {
		return out, "Intervals not computed: " + err.Error()
	}
	var used []int
	for c := range out {
		if out[c].Used && info.At(c, c) > 0 {
			used = append(used, c)
		}
	}
	if len(used) == 0 {
		// No practice on this log moves any rate (one attempt per learner, say).
		return out, "Intervals not computed: no attempt on this log follows earlier practice, so the log carries no information on the rates."
	}
	sub := mat.NewSymDense(len(used), nil)
	for a, i := range used {
		for b, j := range used {
			sub.SetSym(a, b, info.At(i, j))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sub) {
		return out, "Intervals not computed: the information matrix of the rates is singular on this log."
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		return out, "Intervals not computed: " + err.Error()
	}
	for a, c := range used {
		sd := math.Sqrt(cov.At(a, a))
		out[c].SD, out[c].Low, out[c].High = sd, out[c].Value-1.96*sd, out[c].Value+1.96*sd
	}
	return out, fmt.Sprintf("95%% intervals: Laplace approximation on this log's %d attempts — the observed information of the global rates "+
		"with every learner's (θ, ε) and every item's difficulty and support effect integrated out (docs/report.md), "+
		"holding skill-level means, per-skill rate deviations and the prior variances at their estimates.", log.Len())
}
