package elasticity

import "github.com/zpd-project/zpd/datasets"

// Outcome is how a past attempt ended, in the order of the two stages.
type Outcome uint8

// Outcomes of an attempt. The values index Params.Rates.
const (
	// Failed: wrong alone and not reached with support (the answer was given).
	Failed Outcome = iota
	// SupportedSuccess: wrong alone, right in the end with support.
	SupportedSuccess
	// IndependentSuccess: right first time with no help.
	IndependentSuccess
)

// OutcomeOf maps the log's two success flags to an Outcome.
func OutcomeOf(independent, supported bool) Outcome {
	switch {
	case independent:
		return IndependentSuccess
	case supported:
		return SupportedSuccess
	}
	return Failed
}

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case IndependentSuccess:
		return "independent"
	case SupportedSuccess:
		return "supported"
	}
	return "failed"
}

// NoItem and NoSkill mark ids the model never saw in training.
const (
	NoItem  int32 = -1
	NoSkill int32 = -1
)

// Step is one past attempt of a learner, resolved against a Model.
type Step struct {
	Item int32 // model item index, or NoItem
	// Skills of the attempt are History.Skills[SkillStart:SkillEnd] (model
	// skill indexes; unknown skills are left out).
	SkillStart, SkillEnd int32
	Outcome              Outcome
}

// History is a learner's attempts in order, as compact steps whose ids are
// resolved against one Model. Reset and reuse a History to avoid allocation.
type History struct {
	Steps  []Step
	Skills []int32
}

// Reset empties h, keeping its buffers.
func (h *History) Reset() {
	h.Steps = h.Steps[:0]
	h.Skills = h.Skills[:0]
}

// Len returns the number of steps.
func (h *History) Len() int { return len(h.Steps) }

// StepSkills returns the skills of step t.
func (h *History) StepSkills(t int) []int32 {
	s := &h.Steps[t]
	return h.Skills[s.SkillStart:s.SkillEnd]
}

// Add appends an attempt at model item `item` exercising model skills
// `skills` (NoSkill entries are dropped).
func (h *History) Add(item int32, skills []int32, o Outcome) {
	start := int32(len(h.Skills))
	for _, k := range skills {
		if k != NoSkill {
			h.Skills = append(h.Skills, k)
		}
	}
	h.Steps = append(h.Steps, Step{Item: item, SkillStart: start, SkillEnd: int32(len(h.Skills)), Outcome: o})
}

// AddAttempt resolves a's item and skills against m and appends it with its
// outcome. It does not allocate once h's buffers have grown.
func (h *History) AddAttempt(m *Model, a *datasets.Attempt) {
	start := int32(len(h.Skills))
	for _, id := range a.Skills {
		if k := m.SkillIndex(id); k != NoSkill {
			h.Skills = append(h.Skills, k)
		}
	}
	h.Steps = append(h.Steps, Step{
		Item: m.ItemIndex(a.Item), SkillStart: start, SkillEnd: int32(len(h.Skills)),
		Outcome: OutcomeOf(a.Independent, a.Supported),
	})
}

// LogResolver maps one Log's interned item and skill indexes to a Model's,
// once, so batch scoring builds histories without string lookups.
type LogResolver struct {
	log    *datasets.Log
	items  []int32
	skills []int32
}

// NewLogResolver builds the index translation from log to m.
func NewLogResolver(m *Model, log *datasets.Log) *LogResolver {
	r := &LogResolver{log: log, items: make([]int32, log.Items.Len()), skills: make([]int32, log.SkillIDs.Len())}
	for i, id := range log.Items.IDs() {
		r.items[i] = m.ItemIndex(id)
	}
	for i, id := range log.SkillIDs.IDs() {
		r.skills[i] = m.SkillIndex(id)
	}
	return r
}

// Item returns the model index of row's item.
func (r *LogResolver) Item(row int) int32 { return r.items[r.log.Item[row]] }

// Append adds row of the log to h.
func (r *LogResolver) Append(h *History, row int) {
	start := int32(len(h.Skills))
	for _, k := range r.log.SkillsOf(row) {
		if mk := r.skills[k]; mk != NoSkill {
			h.Skills = append(h.Skills, mk)
		}
	}
	h.Steps = append(h.Steps, Step{
		Item: r.items[r.log.Item[row]], SkillStart: start, SkillEnd: int32(len(h.Skills)),
		Outcome: OutcomeOf(r.log.Independent[row], r.log.Supported[row]),
	})
}

// Skills appends the model indexes of row's known skills to dst.
func (r *LogResolver) Skills(dst []int32, row int) []int32 {
	for _, k := range r.log.SkillsOf(row) {
		if mk := r.skills[k]; mk != NoSkill {
			dst = append(dst, mk)
		}
	}
	return dst
}
