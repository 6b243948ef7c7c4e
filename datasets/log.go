package datasets

import (
	"math"
	"sort"
	"time"
)

// Dict interns string ids as dense int32 indexes.
type Dict struct {
	ids   []string
	index map[string]int32
}

// Intern returns the index of id, adding it if new.
func (d *Dict) Intern(id string) int32 {
	if i, ok := d.index[id]; ok {
		return i
	}
	if d.index == nil {
		d.index = make(map[string]int32)
	}
	i := int32(len(d.ids))
	d.ids = append(d.ids, id)
	d.index[id] = i
	return i
}

// Lookup returns the index of id and whether it is known.
func (d *Dict) Lookup(id string) (int32, bool) {
	i, ok := d.index[id]
	return i, ok
}

// ID returns the id at index i.
func (d *Dict) ID(i int32) string { return d.ids[i] }

// IDs returns all ids in index order. The slice must not be modified.
func (d *Dict) IDs() []string { return d.ids }

// Len returns the number of distinct ids.
func (d *Dict) Len() int { return len(d.ids) }

// NoTime marks an unknown timestamp in Log.TimeMS.
const NoTime = math.MinInt64

// Log is an attempt log held in memory as columns, with learner, item and
// skill ids interned. Row i of every column describes the same attempt; see
// Attempt for the meaning of each field.
type Log struct {
	Learners, Items, SkillIDs Dict
	GroupNames                []string // group column names, with GroupPrefix

	Learner []int32
	Item    []int32
	// SkillStart[i]:SkillStart[i+1] indexes Skills for row i; len(SkillStart) == Len()+1.
	SkillStart []int32
	Skills     []int32
	Seq        []int64
	TimeMS     []int64 // Unix milliseconds; NoTime when unknown

	Independent    []bool
	Supported      []bool
	HintsUsed      []int32
	HintsAvailable []int32
	Retries        []int32
	Scaffolded     []bool
	AnswerGiven    []bool
	ResponseMS     []float64
	Difficulty     []float64
	// Groups[g][i] is group column g of row i.
	Groups [][]string
}

// NewLog returns an empty log with the given group columns.
func NewLog(groups ...string) *Log {
	return &Log{GroupNames: groups, SkillStart: []int32{0}, Groups: make([][]string, len(groups))}
}

// Len returns the number of attempts.
func (l *Log) Len() int { return len(l.Learner) }

// Append adds one attempt. a.Groups must align with l.GroupNames (or be empty).
func (l *Log) Append(a *Attempt) {
	if l.SkillStart == nil {
		l.SkillStart = []int32{0}
	}
	l.Learner = append(l.Learner, l.Learners.Intern(a.Learner))
	l.Item = append(l.Item, l.Items.Intern(a.Item))
	for _, s := range a.Skills {
		l.Skills = append(l.Skills, l.SkillIDs.Intern(s))
	}
	l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
	l.appendFields(a)
}

// appendFields appends every field of a but its ids and skills, which
// Append and the Writer's cached appender intern each their own way.
func (l *Log) appendFields(a *Attempt) {
	l.Seq = append(l.Seq, a.Seq)
	t := int64(NoTime)
	if !a.Time.IsZero() {
		t = a.Time.UnixMilli()
	}
	l.TimeMS = append(l.TimeMS, t)
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
		v := ""
		if g < len(a.Groups) {
			v = a.Groups[g]
		}
		l.Groups[g] = append(l.Groups[g], v)
	}
}

// SkillsOf returns the interned skills of row i. The slice must not be modified.
func (l *Log) SkillsOf(i int) []int32 { return l.Skills[l.SkillStart[i]:l.SkillStart[i+1]] }

// At returns row i as an Attempt.
func (l *Log) At(i int) Attempt {
	a := Attempt{
		Learner:        l.Learners.ID(l.Learner[i]),
		Item:           l.Items.ID(l.Item[i]),
		Seq:            l.Seq[i],
		Independent:    l.Independent[i],
		Supported:      l.Supported[i],
		HintsUsed:      l.HintsUsed[i],
		HintsAvailable: l.HintsAvailable[i],
		Retries:        l.Retries[i],
		Scaffolded:     l.Scaffolded[i],
		AnswerGiven:    l.AnswerGiven[i],
		ResponseMS:     l.ResponseMS[i],
		Difficulty:     l.Difficulty[i],
	}
	if t := l.TimeMS[i]; t != NoTime {
		a.Time = time.UnixMilli(t).UTC()
	}
	for _, s := range l.SkillsOf(i) {
		a.Skills = append(a.Skills, l.SkillIDs.ID(s))
	}
	if len(l.Groups) > 0 {
		a.Groups = make([]string, len(l.Groups))
		for g := range l.Groups {
			a.Groups[g] = l.Groups[g][i]
		}
	}
	return a
}

// Histories returns, for each learner index, that learner's rows in order of
// Seq (ties keep log order). Learners without rows get an empty history.
func (l *Log) Histories() [][]int32 {
	h := make([][]int32, l.Learners.Len())
	for i, u := range l.Learner {
		h[u] = append(h[u], int32(i))
	}
	for _, rows := range h {
		sort.SliceStable(rows, func(a, b int) bool { return l.Seq[rows[a]] < l.Seq[rows[b]] })
	}
	return h
}
