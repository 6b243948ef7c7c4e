package elasticity

import (
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
)

// learner is the models.Learner of an elasticity model: a History and a
// Scorer. It rescores the history only when it changed since the last Predict.
type learner struct {
	m      *Model
	sc     *Scorer
	h      History
	skills []int32
	stale  bool
}

func newLearner(m *Model) *learner {
	return &learner{m: m, sc: NewScorer(m), stale: true}
}

// Predict forecasts a from the learner's earlier attempts only: it reads a's
// item and skills, never its outcome or support.
func (l *learner) Predict(a *datasets.Attempt) models.Prediction {
	if l.stale {
		l.sc.Score(&l.h)
		l.stale = false
	}
	l.skills = features.AppendSkills(l.skills[:0], l.m.ix, a.Skills)
	r := l.sc.Readiness(l.m.ItemIndex(a.Item), l.skills)
	return models.Prediction{Independent: r.Independent.Value, Supported: r.Supported.Value}
}

// Observe adds a, with its outcome, to the history.
func (l *learner) Observe(a *datasets.Attempt) {
	l.h.AddAttempt(l.m.ix, a)
	l.stale = true
}
