package policysim

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Summary is a run's result, written as summary.json; docs/pathways.md
// documents every field.
type Summary struct {
	World       string `json:"world"`
	Description string `json:"description,omitempty"`
	Learners    int    `json:"learners"`
	Steps       int    `json:"steps"`
	Seed        uint64 `json:"seed"`
	Resamples   int    `json:"resamples"`
	// Baseline is the policy every difference is taken against.
	Baseline string `json:"baseline"`
	// CalibrationAttempts is the size of the log the platform's model was
	// fitted to (0 when the world came from a model).
	CalibrationAttempts int `json:"calibration_attempts"`
	// Checkpoints are the steps of PolicySummary.Curve.
	Checkpoints []int           `json:"checkpoints"`
	Policies    []PolicySummary `json:"policies"`
}

// PolicySummary is one policy's result: means over learners with 95%
// bootstrap intervals, and the paired difference from the baseline.
type PolicySummary struct {
	Name string `json:"name"`
	// GainPerStep is the true bank-average ability gained, in logits, per
	// attempt; GainCI its interval, GainVsBaseline the paired difference.
	GainPerStep    float64  `json:"gain_per_step"`
	GainCI         Interval `json:"gain_ci"`
	GainVsBaseline Interval `json:"gain_vs_baseline"`
	// GainPerMinute is the ability gained per minute of attempts.
	GainPerMinute           Interval `json:"gain_per_minute"`
	GainPerMinuteVsBaseline Interval `json:"gain_per_minute_vs_baseline"`
	// PostTest is the mean true P(success alone) over the whole bank after
	// the last step.
	PostTest           float64  `json:"post_test"`
	PostTestCI         Interval `json:"post_test_ci"`
	PostTestVsBaseline Interval `json:"post_test_vs_baseline"`
	// StepsToMastery is the mean number of steps until the post-test first
	// reached the world's mastery threshold (measured at checkpoints),
	// counting Steps for a learner who never did (a restricted mean);
	// MasteredShare is the share who did.
	StepsToMastery           Interval `json:"steps_to_mastery"`
	StepsToMasteryVsBaseline Interval `json:"steps_to_mastery_vs_baseline"`
	MasteredShare            float64  `json:"mastered_share"`
	// Shares of steps, by the truth at the time of the attempt: in the true
	// ZPD, beyond reach (frustration), already mastered; and the share the
	// policy spent on mastery checks.
	ShareZPD         float64 `json:"share_zpd"`
	ShareBeyondReach float64 `json:"share_beyond_reach"`
	ShareMastered    float64 `json:"share_mastered"`
	ShareChecks      float64 `json:"share_checks"`
	MinutesPerStep   float64 `json:"minutes_per_step"`
	// ByElasticity and ByTheta are gain per step in the population quartiles
	// of ε and of starting θ (1 the lowest).
	ByElasticity []GroupGain `json:"by_elasticity_quartile"`
	ByTheta      []GroupGain `json:"by_theta_quartile"`
	// Curve is the mean ability gained at each checkpoint.
	Curve []float64 `json:"curve"`
}

// GroupGain is gain per step in one group of learners.
type GroupGain struct {
	Quartile    int      `json:"quartile"`
	Learners    int      `json:"learners"`
	GainPerStep Interval `json:"gain_per_step"`
	VsBaseline  Interval `json:"vs_baseline"`
}

func summarise(setup *Setup, s *sim, opts Options, a *acc, reps int) *Summary {
	np := len(s.policies)
	mean := func(r, g, p, m int) float64 {
		w := a.w[r*nGroups+g]
		if w == 0 {
			return math.NaN()
		}
		return a.sums[((r*nGroups+g)*np+p)*nMetrics+m] / w
	}
	own := func(g, p, m int) Interval {
		return interval(reps, func(r int) float64 { return mean(r, g, p, m) })
	}
	diff := func(g, p, m int) Interval {
		return interval(reps, func(r int) float64 { return mean(r, g, p, m) - mean(r, g, 0, m) })
	}
	sum := &Summary{
		World: setup.World.Name, Description: setup.World.Description, Learners: opts.Learners, Steps: opts.Steps,
		Seed: opts.Seed, Resamples: reps, Baseline: s.policies[0].Name(), CalibrationAttempts: setup.CalibrationAttempts,
		Checkpoints: s.checkpoints,
	}
	for p, pol := range s.policies {
		gain := own(gAll, p, mGainPerStep)
		ps := PolicySummary{
			Name:        pol.Name(),
			GainPerStep: gain.Value, GainCI: gain, GainVsBaseline: diff(gAll, p, mGainPerStep),
			GainPerMinute: own(gAll, p, mGainPerMinute), GainPerMinuteVsBaseline: diff(gAll, p, mGainPerMinute),
			PostTestCI: own(gAll, p, mPostTest), PostTestVsBaseline: diff(gAll, p, mPostTest),
			StepsToMastery: own(gAll, p, mStepsToMastery), StepsToMasteryVsBaseline: diff(gAll, p, mStepsToMastery),
			MasteredShare:    mean(0, gAll, p, mMastered),
			ShareZPD:         mean(0, gAll, p, mShareZPD),
			ShareBeyondReach: mean(0, gAll, p, mShareBeyond),
			ShareMastered:    mean(0, gAll, p, mShareMastered),
			ShareChecks:      mean(0, gAll, p, mShareChecks),
			MinutesPerStep:   mean(0, gAll, p, mMinutesPerStep),
		}
		ps.PostTest = ps.PostTestCI.Value
		for q := range 4 {
			ps.ByElasticity = append(ps.ByElasticity, GroupGain{Quartile: q + 1, Learners: int(a.w[gEps+q]),
				GainPerStep: own(gEps+q, p, mGainPerStep), VsBaseline: diff(gEps+q, p, mGainPerStep)})
			ps.ByTheta = append(ps.ByTheta, GroupGain{Quartile: q + 1, Learners: int(a.w[gTheta+q]),
				GainPerStep: own(gTheta+q, p, mGainPerStep), VsBaseline: diff(gTheta+q, p, mGainPerStep)})
		}
		for c := range s.checkpoints {
			ps.Curve = append(ps.Curve, a.curve[p*len(s.checkpoints)+c]/float64(a.n))
		}
		sum.Policies = append(sum.Policies, ps)
	}
	return sum
}

// WriteMarkdown writes the summary as Markdown tables.
func (s *Summary) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "World `%s`: %d learners × %d steps, seed %d; 95%% paired bootstrap intervals (%d resamples) against %s.\n\n",
		s.World, s.Learners, s.Steps, s.Seed, s.Resamples, s.Baseline)
	b.WriteString("| policy | gain/step ×1000 | vs " + s.Baseline + " ×1000 | gain/min ×1000 | post-test | vs " + s.Baseline +
		" | steps to mastery | in ZPD | beyond reach | mastered | checks |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range s.Policies {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f | %s | %s (%.0f%%) | %.0f%% | %.0f%% | %.0f%% | %.0f%% |\n",
			p.Name, fmtIv(p.GainCI, 1000, 2), fmtIv(p.GainVsBaseline, 1000, 2), fmtIv(p.GainPerMinute, 1000, 2),
			p.PostTest, fmtIv(p.PostTestVsBaseline, 1, 3), fmtIv(p.StepsToMastery, 1, 0), 100*p.MasteredShare,
			100*p.ShareZPD, 100*p.ShareBeyondReach, 100*p.ShareMastered, 100*p.ShareChecks)
	}
	b.WriteString("\nGain per step ×1000 by population quartile of elasticity ε (Q1 lowest), difference from " + s.Baseline + " in brackets:\n\n")
	quartileTable(&b, s, func(p *PolicySummary) []GroupGain { return p.ByElasticity })
	b.WriteString("\nBy quartile of starting ability θ:\n\n")
	quartileTable(&b, s, func(p *PolicySummary) []GroupGain { return p.ByTheta })
	_, err := io.WriteString(w, b.String())
	return err
}

func quartileTable(b *strings.Builder, s *Summary, groups func(*PolicySummary) []GroupGain) {
	b.WriteString("| policy | Q1 | Q2 | Q3 | Q4 |\n|---|---|---|---|---|\n")
	for i := range s.Policies {
		p := &s.Policies[i]
		b.WriteString("| " + p.Name)
		for _, g := range groups(p) {
			if g.Learners == 0 {
				// A quartile no learner falls in, as when ε does not vary.
				b.WriteString(" | — (no learners)")
				continue
			}
			fmt.Fprintf(b, " | %.2f (%s)", 1000*g.GainPerStep.Value, fmtIv(g.VsBaseline, 1000, 2))
		}
		b.WriteString(" |\n")
	}
}

// fmtIv formats an interval scaled by k with prec decimals; an undefined
// value (an empty quartile) is a dash.
func fmtIv(iv Interval, k float64, prec int) string {
	if math.IsNaN(iv.Value) {
		return "—"
	}
	if math.IsNaN(iv.Low) {
		return fmt.Sprintf("%.*f", prec, k*iv.Value)
	}
	return fmt.Sprintf("%.*f [%.*f, %.*f]", prec, k*iv.Value, prec, k*iv.Low, prec, k*iv.High)
}
