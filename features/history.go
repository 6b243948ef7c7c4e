package features

import "github.com/zpd-project/zpd/datasets"

// Step is one past attempt of a learner, resolved against an Index.
type Step struct {
	Item int32 // item index, or NoItem
	// Skills of the attempt are History.Skills[SkillStart:SkillEnd]: the
	// skill indexes it lists (unknown skills left out). Readers apply
	// Index.AttemptSkills to them.
	SkillStart, SkillEnd int32
	Outcome              Outcome
	// Hinted says the attempt's support included hints (hints_used > 0),
	// not only feedback and a retry. Only the elasticity model's feedback
	// stage reads it (docs/models.md, "Help versus feedback").
	Hinted bool
}

// History is a learner's attempts in seq order, as compact steps whose ids
// are resolved against one Index. Reset and reuse a History to avoid
// allocation.
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

// StepSkills returns the skills step t lists (before Index.AttemptSkills).
func (h *History) StepSkills(t int) []int32 {
	s := &h.Steps[t]
	return h.Skills[s.SkillStart:s.SkillEnd]
}

// Add appends an attempt at item exercising skills (NoSkill entries are
// dropped) with outcome o.
func (h *History) Add(item int32, skills []int32, o Outcome) {
	start := int32(len(h.Skills))
	for _, k := range skills {
		if k != NoSkill {
			h.Skills = append(h.Skills, k)
		}
	}
	h.Steps = append(h.Steps, Step{Item: item, SkillStart: start, SkillEnd: int32(len(h.Skills)), Outcome: o})
}

// AddAttempt resolves an attempt's item and skill ids against ix and
// appends it with outcome o. It does not allocate once h's buffers have
// grown, for string ids and for ids held as bytes.
func AddAttempt[T ID](h *History, ix *Index, item T, skills []T, o Outcome) {
	start := int32(len(h.Skills))
	h.Skills = AppendSkills(h.Skills, ix, skills)
	h.Steps = append(h.Steps, Step{Item: ItemOf(ix, item), SkillStart: start, SkillEnd: int32(len(h.Skills)), Outcome: o})
}

// MarkHinted records that the last step's support included hints.
func (h *History) MarkHinted() { h.Steps[len(h.Steps)-1].Hinted = true }

// LogResolver maps one Log's interned item and skill indexes to an Index's,
// once, so histories are built from a log's rows without string lookups.
type LogResolver struct {
	log    *datasets.Log
	items  []int32
	skills []int32
}

// NewLogResolver builds the index translation from log to ix.
func NewLogResolver(ix *Index, log *datasets.Log) *LogResolver {
	r := &LogResolver{log: log, items: make([]int32, log.Items.Len()), skills: make([]int32, log.SkillIDs.Len())}
	for i, id := range log.Items.IDs() {
		r.items[i] = ix.Item(id)
	}
	for i, id := range log.SkillIDs.IDs() {
		r.skills[i] = ix.Skill(id)
	}
	return r
}

// Item returns the index of row's item.
func (r *LogResolver) Item(row int) int32 { return r.items[r.log.Item[row]] }

// Outcome returns row's outcome.
func (r *LogResolver) Outcome(row int) Outcome {
	return OutcomeOf(r.log.Independent[row], r.log.Supported[row])
}

// Skills appends the indexes of the known skills row lists to dst.
func (r *LogResolver) Skills(dst []int32, row int) []int32 {
	for _, k := range r.log.SkillsOf(row) {
		if mk := r.skills[k]; mk != NoSkill {
			dst = append(dst, mk)
		}
	}
	return dst
}

// Append adds row of the log to h.
func (r *LogResolver) Append(h *History, row int) {
	start := int32(len(h.Skills))
	h.Skills = r.Skills(h.Skills, row)
	h.Steps = append(h.Steps, Step{Item: r.Item(row), SkillStart: start, SkillEnd: int32(len(h.Skills)),
		Outcome: r.Outcome(row), Hinted: r.log.HintsUsed[row] > 0})
}

// History resets h to the learner whose rows (in seq order, as
// datasets.Log.Histories gives them) are rows.
func (r *LogResolver) History(h *History, rows []int32) {
	h.Reset()
	for _, row := range rows {
		r.Append(h, int(row))
	}
}

// AddAttempt resolves a against ix and appends it with its outcome.
func (h *History) AddAttempt(ix *Index, a *datasets.Attempt) {
	AddAttempt(h, ix, a.Item, a.Skills, OutcomeOf(a.Independent, a.Supported))
	h.Steps[len(h.Steps)-1].Hinted = a.HintsUsed > 0
}
