package dkt

import (
	"slices"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// vocab is a fitted model's vocabulary and input encoding: the skill rule
// resolves an attempt's skills to output columns, and the key (skill or
// item) crossed with the outcome gives its input tokens.
type vocab struct {
	ix            *features.Index
	items, skills []string // ids by index, as ix numbers them
	key           string
}

// newVocab indexes items and skills as features.NewIndex does.
func newVocab(items, skills []string, itemSkillStart, itemSkills []int32, key string) *vocab {
	return &vocab{ix: features.NewIndex(items, skills, itemSkillStart, itemSkills), items: items, skills: skills, key: key}
}

// logVocab is the vocabulary of a training log (features.LogIndex).
func logVocab(log *datasets.Log, key string) *vocab {
	itemSkills, start := features.ItemSkillSets(log)
	return newVocab(slices.Clone(log.Items.IDs()), slices.Clone(log.SkillIDs.IDs()), start, itemSkills, key)
}

// numKeys is V, the input keys: the skills or items, then one for an
// unknown or absent key.
func (v *vocab) numKeys() int {
	if v.key == KeyItem {
		return v.ix.Items() + 1
	}
	return v.ix.Skills() + 1
}

// numSkills is K, the output columns: the skills, then one for an attempt
// without a known skill.
func (v *vocab) numSkills() int { return v.ix.Skills() + 1 }

// columns resets dst to the attempt's distinct output columns: its skills
// by the skill rule, or the unknown column when it has none.
func (v *vocab) columns(dst []int32, item int32, skills []int32) []int32 {
	dst = dst[:0]
	for _, k := range v.ix.AttemptSkills(item, skills) {
		dup := false
		for _, c := range dst {
			dup = dup || c == k
		}
		if !dup {
			dst = append(dst, k)
		}
	}
	if len(dst) == 0 {
		dst = append(dst, int32(v.ix.Skills()))
	}
	return dst
}

// tokens resets dst to the attempt's input tokens (key·3 + outcome), given
// its output columns.
func (v *vocab) tokens(dst []int32, item int32, cols []int32, o features.Outcome) []int32 {
	dst = dst[:0]
	if v.key == KeyItem {
		if item == features.NoItem {
			item = int32(v.ix.Items())
		}
		return append(dst, item*features.NumOutcomes+int32(o))
	}
	// In skill mode the keys are the output columns, the unknown one
	// included.
	for _, k := range cols {
		dst = append(dst, k*features.NumOutcomes+int32(o))
	}
	return dst
}

// step is one encoded attempt of a sequence.
type step struct {
	tokStart, tokEnd int32 // into sequences.tokens
	colStart, colEnd int32 // into sequences.cols
	independent      bool  // success alone
	supported        bool  // success with support (meaningful when failed alone)
}

// sequences are learners' attempts encoded for training: learner u's steps
// (u indexing the log's learners) are steps[start[u]:start[u+1]], in seq
// order.
type sequences struct {
	steps        []step
	tokens, cols []int32
	start        []int
}

// encode encodes every learner of log against v.
func (v *vocab) encode(log *datasets.Log) *sequences {
	r := features.NewLogResolver(v.ix, log)
	s := &sequences{start: []int{0}}
	var h features.History
	var cols, toks []int32
	for _, rows := range log.Histories() {
		r.History(&h, rows)
		for t, hs := range h.Steps {
			cols = v.columns(cols, hs.Item, h.StepSkills(t))
			toks = v.tokens(toks, hs.Item, cols, hs.Outcome)
			st := step{tokStart: int32(len(s.tokens)), colStart: int32(len(s.cols)),
				independent: hs.Outcome == features.IndependentSuccess,
				supported:   hs.Outcome == features.SupportedSuccess}
			s.tokens = append(s.tokens, toks...)
			s.cols = append(s.cols, cols...)
			st.tokEnd, st.colEnd = int32(len(s.tokens)), int32(len(s.cols))
			s.steps = append(s.steps, st)
		}
		s.start = append(s.start, len(s.steps))
	}
	return s
}

func (s *sequences) learners() int { return len(s.start) - 1 }

func (s *sequences) tokensOf(st *step) []int32 { return s.tokens[st.tokStart:st.tokEnd] }
func (s *sequences) colsOf(st *step) []int32   { return s.cols[st.colStart:st.colEnd] }
