package elasticity

import (
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// FeatureColumns returns the model's columns of the feature table (zpd
// features --model): each attempt's online posterior θ and ε with their
// SDs and the forecast P(success alone) and P(success with support | failed
// alone), all from the learner's earlier attempts only, as the Scorer
// gives them.
func (m *Model) FeatureColumns() features.Extra { return featureColumns{m} }

type featureColumns struct{ m *Model }

func (featureColumns) Columns() []string {
	return []string{"theta", "theta_sd", "epsilon", "epsilon_sd", "p_independent", "p_supported"}
}

func (f featureColumns) Walk(log *datasets.Log) features.Walker {
	return &featureWalker{sc: NewScorer(f.m), res: features.NewLogResolver(f.m.ix, log)}
}

// featureWalker rescores the learner's history before each attempt: the
// posterior of attempt t uses attempts 0..t−1 only.
type featureWalker struct {
	sc     *Scorer
	res    *features.LogResolver
	h      History
	skills []int32
}

func (w *featureWalker) Reset() { w.h.Reset() }

func (w *featureWalker) Before(dst []float64, row int) []float64 {
	post := w.sc.Score(&w.h)
	w.skills = w.res.Skills(w.skills[:0], row)
	r := w.sc.Readiness(w.res.Item(row), w.skills)
	return append(dst, post.Ability.Value, post.Ability.SD, post.Elasticity.Value, post.Elasticity.SD,
		r.Independent.Value, r.Supported.Value)
}

func (w *featureWalker) Observe(row int) { w.res.Append(&w.h, row) }
