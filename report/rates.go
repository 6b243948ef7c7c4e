package report

import (
	"errors"
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
	sub := mat.NewSymDense(len(used), nil)
	for a, i := range used {
		for b, j := range used {
			sub.SetSym(a, b, info.At(i, j))
		}
	}
	var ch mat.Cholesky
	if len(used) == 0 || !ch.Factorize(sub) {
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
		"with each learner's (θ, ε) integrated out (Schur complement of their posterior precision), "+
		"holding item difficulties, support effects and per-skill rate deviations at their estimates. "+
		"Holding those fixed understates the uncertainty somewhat; a learner-bootstrap refit would not, but costs a fit per resample.", log.Len())
}

// skillPractice is a learner's practice on one skill so far, as the model
// counts it (docs/models.md, "Likelihood").
type skillPractice struct {
	n      [3]uint32
	recent [3]float64
}

// rateInformation returns the 6×6 observed information of the global rates
// on log: Σ over learners of A − B·Cov·Bᵀ, where A is the rates' block of
// the negative log-likelihood Hessian, B its cross block with the learner's
// (θ, ε), and Cov their posterior covariance (the inverse of that block plus
// the prior precision), all at the posterior mode.
//
// The practice features follow docs/models.md; every learner's learning
// term is checked against the Scorer's, so a change of the model's features
// is reported instead of giving wrong intervals.
func rateInformation(m *elasticity.Model, log *datasets.Log) (*mat.SymDense, error) {
	p := m.Params()
	res := elasticity.NewLogResolver(m, log)
	sc := elasticity.NewScorer(m)
	practice := make([]skillPractice, len(p.Skills))
	var touched []int32
	var h elasticity.History
	var buf []int32 // the row's known skills; never aliased with the model's or h's slices
	var steps []rateStep
	info := mat.NewSymDense(nRates, nil)
	for _, rows := range log.Histories() {
		if len(rows) == 0 {
			continue
		}
		h.Reset()
		steps = steps[:0]
		for _, k := range touched {
			practice[k] = skillPractice{}
		}
		touched = touched[:0]
		for _, row := range rows {
			res.Append(&h, int(row))
			item := res.Item(int(row))
			buf = res.Skills(buf[:0], int(row))
			skills := stepSkills(m, buf, item)
			x, l := practiceTerm(p, practice, skills)
			o := elasticity.OutcomeOf(log.Independent[row], log.Supported[row])
			steps = append(steps, rateStep{x, l - itemDifficulty(m, item, skills), itemSupport(m, item, skills), o, item})
			for _, k := range skills {
				if practice[k] == (skillPractice{}) {
					touched = append(touched, k)
				}
				addPractice(&practice[k], o, p.Config.RecencyDecay)
			}
		}
		post := sc.Score(&h)
		// Check the learning term after the whole history against the Scorer's.
		last := steps[len(steps)-1].item
		skills := stepSkills(m, h.StepSkills(h.Len()-1), last)
		_, l := practiceTerm(p, practice, skills)
		if got := itemDifficulty(m, last, skills) - sc.Readiness(last, skills).Difficulty; math.Abs(got-l) > 1e-6*(1+math.Abs(l)) {
			return nil, errors.New("the elasticity model's learning term no longer matches docs/models.md as this report reads it")
		}
		addLearnerInformation(info, post, steps)
	}
	return info, nil
}

// stepSkills is the Scorer's rule: an attempt listing no known skill
// exercises the model's skills of its item.
func stepSkills(m *elasticity.Model, skills []int32, item int32) []int32 {
	if len(skills) == 0 && item != elasticity.NoItem {
		return m.ItemSkills(item)
	}
	return skills
}

// practiceTerm returns the practice features x (mean over skills of F_k,
// the derivative of the learning term by the global rates) and the learning
// term l itself. Features are rounded to float32 as the model stores them.
func practiceTerm(p *elasticity.Params, practice []skillPractice, skills []int32) (x [nRates]float64, l float64) {
	if !p.Config.Learning || len(skills) == 0 {
		return x, 0
	}
	for _, k := range skills {
		pr := &practice[k]
		if *pr == (skillPractice{}) {
			continue
		}
		var f [nRates]float64
		for o := range 3 {
			f[o] = practiceScale(p.Config.Practice, pr.n[o])
			if p.Config.Recency {
				f[3+o] = pr.recent[o]
			}
		}
		for c, v := range f {
			v = float64(float32(v))
			x[c] += v
			l += (p.Rates[c] + p.SkillRates[k][c]) * v
		}
	}
	n := float64(len(skills))
	for c := range x {
		x[c] /= n
	}
	return x, l / n
}

func practiceScale(kind string, n uint32) float64 {
	if kind == elasticity.PracticeLinear {
		return float64(n)
	}
	return math.Log1p(float64(n))
}

// addPractice records an attempt with outcome o; older attempts fade by decay.
func addPractice(pr *skillPractice, o elasticity.Outcome, decay float64) {
	for i := range pr.recent {
		pr.recent[i] *= decay
	}
	pr.recent[o]++
	pr.n[o]++
}

// rateStep is one attempt as the rates' information needs it.
type rateStep struct {
	x    [nRates]float64 // practice features
	off  float64         // learning term minus item difficulty, l − b
	d    float64         // item support effect
	out  elasticity.Outcome
	item int32
}

// addLearnerInformation adds one learner's A − B·Cov·Bᵀ to info.
func addLearnerInformation(info *mat.SymDense, post elasticity.Posterior, steps []rateStep) {
	theta, eps := post.Ability.Value, post.Elasticity.Value
	var a [nRates][nRates]float64
	var b [nRates][2]float64
	for _, s := range steps {
		x, off, d, o := s.x, s.off, s.d, s.out
		p1 := sigmoid(theta + off)
		w1 := p1 * (1 - p1)
		for i := range x {
			b[i][0] += w1 * x[i]
			for j := range x {
				a[i][j] += w1 * x[i] * x[j]
			}
		}
		if o == elasticity.IndependentSuccess {
			continue // stage 2 is not observed
		}
		p2 := sigmoid(theta + eps + off + d)
		w2 := p2 * (1 - p2)
		for i := range x {
			b[i][0] += w2 * x[i]
			b[i][1] += w2 * x[i]
			for j := range x {
				a[i][j] += w2 * x[i] * x[j]
			}
		}
	}
	cov := post.Cov
	for i := range nRates {
		for j := i; j < nRates; j++ {
			var bcb float64
			for r := range 2 {
				for c := range 2 {
					bcb += b[i][r] * cov[r][c] * b[j][c]
				}
			}
			info.SetSym(i, j, info.At(i, j)+a[i][j]-bcb)
		}
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
