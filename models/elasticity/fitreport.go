package elasticity

import "math"

// FitReport says how a fit ended and how it got there. It is saved with the
// parameters (Params.Fit) so that an artifact says whether its numbers are
// an optimum.
type FitReport struct {
	// Converged is true when the fit stopped because it met its stopping
	// rule: the predicted decrease of the objective per attempt below
	// Config.Tolerance and no prior SD moving more than HyperTolerance.
	Converged bool `json:"converged"`
	// Stop says why the fit stopped: "converged", "stationary" (no descent
	// direction left at machine precision), "max_iterations",
	// "line_search" (no step along the search direction decreased the
	// objective) or "early_stopping" (the validation loss stopped improving).
	Stop string `json:"stop"`
	// Iterations and Evaluations count L-BFGS iterations and passes over
	// the data.
	Iterations  int `json:"iterations"`
	Evaluations int `json:"evaluations"`
	// Attempts is the number of fitted attempts (the per-attempt unit).
	Attempts int `json:"attempts"`
	// GradientNorm is the Euclidean norm of the objective's gradient at the
	// end, per attempt; Decrease is the last predicted decrease of the
	// objective per attempt (−½ gᵀΔ / attempts), the quantity the stopping
	// rule compares with Config.Tolerance.
	GradientNorm float64 `json:"gradient_norm_per_attempt"`
	Decrease     float64 `json:"predicted_decrease_per_attempt"`
	// HyperChange is the last change of every hyper-parameter (prior SDs in
	// logits, learning-rate SDs per unit of their feature, the correlation),
	// keyed as in Hyper.
	HyperChange map[string]float64 `json:"hyper_change"`
	// Trace has one point per iteration.
	Trace []TracePoint `json:"trace"`
}

// TracePoint is the state of a fit after one iteration.
type TracePoint struct {
	Iteration int `json:"iteration"`
	// Objective is the negative log posterior per attempt, evaluated every
	// traceEvery iterations and at the last (nil elsewhere: the optimiser
	// itself needs only gradients, and the value costs a logarithm per row).
	Objective *float64 `json:"objective,omitempty"`
	// Decrease is the predicted decrease per attempt of the step taken.
	Decrease float64 `json:"decrease"`
	// Hyper are the population parameters at this point.
	Hyper Hyper `json:"hyper"`
}

// Hyper are the population parameters the fit estimates alongside the
// effects, named as in docs/models.md.
type Hyper struct {
	MeanAbility    float64 `json:"mean_ability"`     // μ_θ
	MeanElasticity float64 `json:"mean_elasticity"`  // μ_ε
	SDAbility      float64 `json:"sd_ability"`       // √Σ_θθ
	SDElasticity   float64 `json:"sd_elasticity"`    // √Σ_εε
	Correlation    float64 `json:"correlation"`      // Σ_θε / (√Σ_θθ √Σ_εε)
	ItemSD         float64 `json:"item_sd"`          // σ_b
	SupportSD      float64 `json:"support_sd"`       // σ_d
	SkillSD        float64 `json:"skill_sd"`         // σ_β
	SkillSupportSD float64 `json:"skill_support_sd"` // σ_δ
	// RateSD are the σ_γ,c of the per-skill learning-rate deviations, in
	// feature order (failed, supported, independent, then recency).
	RateSD [nFeatures]float64 `json:"rate_sd"`
	// Feedback are the feedback stage's population parameters (nil
	// without it).
	Feedback *FeedbackHyper `json:"feedback,omitempty"`
}

// FeedbackHyper are the feedback stage's population parameters.
type FeedbackHyper struct {
	Mean           float64 `json:"mean"`            // μ_φ
	SD             float64 `json:"sd"`              // σ_φ
	CorrAbility    float64 `json:"corr_ability"`    // corr(θ, φ)
	CorrElasticity float64 `json:"corr_elasticity"` // corr(ε, φ)
	ItemSD         float64 `json:"item_sd"`         // σ_f
	SkillSD        float64 `json:"skill_sd"`        // σ_ζ
}

// traceEvery is how often (in iterations) the trace records the objective.
const traceEvery = 5

// hyperOf names the fitter's current population parameters.
func hyperOf(h *hyper, mu [2]float64) Hyper {
	out := Hyper{
		MeanAbility: mu[0], MeanElasticity: mu[1],
		SDAbility: math.Sqrt(h.cov[0][0]), SDElasticity: math.Sqrt(h.cov[1][1]),
		ItemSD: math.Sqrt(h.varB), SupportSD: math.Sqrt(h.varD),
		SkillSD: math.Sqrt(h.varBeta), SkillSupportSD: math.Sqrt(h.varDelt),
	}
	out.Correlation = h.cov[0][1] / (out.SDAbility * out.SDElasticity)
	for c, v := range h.varRate {
		out.RateSD[c] = math.Sqrt(v)
	}
	return out
}

// changes returns |b − a| for every SD and the correlation, keyed by json
// name; the means are left out (they are effects of the MAP step, whose
// convergence the gradient measures).
func (a Hyper) changes(b Hyper) map[string]float64 {
	m := map[string]float64{
		"sd_ability":       math.Abs(b.SDAbility - a.SDAbility),
		"sd_elasticity":    math.Abs(b.SDElasticity - a.SDElasticity),
		"correlation":      math.Abs(b.Correlation - a.Correlation),
		"item_sd":          math.Abs(b.ItemSD - a.ItemSD),
		"support_sd":       math.Abs(b.SupportSD - a.SupportSD),
		"skill_sd":         math.Abs(b.SkillSD - a.SkillSD),
		"skill_support_sd": math.Abs(b.SkillSupportSD - a.SkillSupportSD),
	}
	for c := range a.RateSD {
		m["rate_sd_"+featureName(c)] = math.Abs(b.RateSD[c] - a.RateSD[c])
	}
	if a.Feedback != nil && b.Feedback != nil {
		m["feedback_sd"] = math.Abs(b.Feedback.SD - a.Feedback.SD)
		m["feedback_corr_ability"] = math.Abs(b.Feedback.CorrAbility - a.Feedback.CorrAbility)
		m["feedback_corr_elasticity"] = math.Abs(b.Feedback.CorrElasticity - a.Feedback.CorrElasticity)
		m["feedback_item_sd"] = math.Abs(b.Feedback.ItemSD - a.Feedback.ItemSD)
		m["feedback_skill_sd"] = math.Abs(b.Feedback.SkillSD - a.Feedback.SkillSD)
	}
	return m
}

// featureName names practice feature c.
func featureName(c int) string {
	return [nFeatures]string{"failed", "supported", "independent", "recent_failed", "recent_supported", "recent_independent"}[c]
}

// FitWarning returns the fit report's Warning: a plain sentence when the
// fit that made m did not converge, "" when it did.
func (m *Model) FitWarning() string { return m.p.Fit.Warning() }

// Warning returns a plain sentence for a user when the fit did not
// converge, or "" when it did.
func (r *FitReport) Warning() string {
	if r == nil || r.Converged {
		return ""
	}
	switch r.Stop {
	case "early_stopping":
		return "the fit was stopped early by its validation check (validation_fraction > 0), so the estimates are not the optimum of the objective; ε and the point of difficulty may be off in level"
	case "max_iterations":
		return "the fit did not converge: it used all max_iterations iterations; raise max_iterations (the estimates, ε and the point of difficulty especially, may be off in level)"
	}
	return "the fit did not converge (it stopped: " + r.Stop + "); the estimates, ε and the point of difficulty especially, may be off in level"
}
