package simulate

import (
	"github.com/zpd-project/zpd/datasets"
)

// logBuilder appends simulated batches to a datasets.Log column by column. It
// gives the same Log as Log.Append would (ids interned in order of first
// appearance) but interns each learner, item and skill once through index
// tables rather than a map lookup per row, and sizes the columns up front.
type logBuilder struct {
	truth  *Truth
	log    *datasets.Log
	items  []int32 // items[j] is truth item j's index in log, -1 until seen
	skills []int32 // skills[k] likewise for truth skill k
	// lastLearner and learner cache the current learner's id and index;
	// batches hold whole learners in order, one learner's rows together.
	lastLearner string
	learner     int32
}

func newLogBuilder(t *Truth, rows int) *logBuilder {
	l := datasets.NewLog(GroupNames(t.Config)...)
	l.Learner = make([]int32, 0, rows)
	l.Item = make([]int32, 0, rows)
	l.SkillStart = make([]int32, 1, rows+1)
	l.Skills = make([]int32, 0, rows+rows/2)
	l.Seq = make([]int64, 0, rows)
	l.TimeMS = make([]int64, 0, rows)
	l.Independent = make([]bool, 0, rows)
	l.Supported = make([]bool, 0, rows)
	l.HintsUsed = make([]int32, 0, rows)
	l.HintsAvailable = make([]int32, 0, rows)
	l.Retries = make([]int32, 0, rows)
	l.Scaffolded = make([]bool, 0, rows)
	l.AnswerGiven = make([]bool, 0, rows)
	l.ResponseMS = make([]float64, 0, rows)
	l.Difficulty = make([]float64, 0, rows)
	for g := range l.Groups {
		l.Groups[g] = make([]string, 0, rows)
	}
	lb := &logBuilder{truth: t, log: l, items: make([]int32, len(t.Items)), skills: make([]int32, len(t.Skills))}
	for j := range lb.items {
		lb.items[j] = -1
	}
	for k := range lb.skills {
		lb.skills[k] = -1
	}
	return lb
}

// add appends every attempt of b.
func (lb *logBuilder) add(b *batch) {
	l := lb.log
	for r := range b.attempts {
		a := &b.attempts[r]
		if a.Learner != lb.lastLearner || l.Len() == 0 {
			lb.lastLearner, lb.learner = a.Learner, l.Learners.Intern(a.Learner)
		}
		j := b.items[r]
		if lb.items[j] < 0 {
			lb.items[j] = l.Items.Intern(a.Item)
		}
		for _, k := range lb.truth.Items[j].skills {
			if lb.skills[k] < 0 {
				lb.skills[k] = l.SkillIDs.Intern(lb.truth.Skills[k].ID)
			}
			l.Skills = append(l.Skills, lb.skills[k])
		}
		l.Learner = append(l.Learner, lb.learner)
		l.Item = append(l.Item, lb.items[j])
		l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
		l.Seq = append(l.Seq, a.Seq)
		l.TimeMS = append(l.TimeMS, a.Time.UnixMilli()) // simulated times are never unknown
		l.Independent = append(l.Independent, a.Independent)
		l.Supported = append(l.Supported, a.Supported)
		l.HintsUsed = append(l.HintsUsed, a.HintsUsed)
		l.HintsAvailable = append(l.HintsAvailable, a.HintsAvailable)
		l.Retries = append(l.Retries, a.Retries)
		l.Scaffolded = append(l.Scaffolded, a.Scaffolded)
		l.AnswerGiven = append(l.AnswerGiven, a.AnswerGiven)
		l.ResponseMS = append(l.ResponseMS, a.ResponseMS)
		l.Difficulty = append(l.Difficulty, a.Difficulty)
		for g := range l.Groups {
			l.Groups[g] = append(l.Groups[g], a.Groups[g])
		}
	}
}
