package features

import (
	"github.com/zpd-project/zpd/datasets"
)

// Extra adds a model's columns to the feature table, such as the
// elasticity model's online θ and ε. Columns are float64.
type Extra interface {
	// Columns names the extra columns, in the order Walker.Before fills
	// them.
	Columns() []string
	// Walk starts walking log's learners one at a time.
	Walk(log *datasets.Log) Walker
}

// Walker is an Extra's running state over one log's learners.
type Walker interface {
	// Reset starts the next learner, with no attempts.
	Reset()
	// Before appends the extra columns for the attempt at row as they stand
	// before it: from the learner's earlier attempts only.
	Before(dst []float64, row int) []float64
	// Observe adds the attempt at row to the learner's history.
	Observe(row int)
}

// Chunk is a run of feature-table rows held as columns, every column the
// same length. Counts are of the learner's attempts before the row's, in
// seq order; skill columns average over the attempt's skills (the skill
// rule: the skills it lists, else its item's). docs/features.md describes
// every column.
type Chunk struct {
	// Row is the attempt's row in the log.
	Row []int32
	// SkillsFromItem is true when the attempt lists no skill and takes its
	// item's.
	SkillsFromItem []bool

	// PriorAttempts, PriorIndependent, PriorSupported and PriorFailed count
	// the learner's earlier attempts, in total and by outcome.
	PriorAttempts, PriorIndependent, PriorSupported, PriorFailed []int32
	// PriorHints is the hints taken earlier; PriorHinted the earlier
	// attempts with at least one.
	PriorHints  []float64
	PriorHinted []int32
	// ItemPriorAttempts and ItemPriorIndependent count the learner's
	// earlier attempts at the same item, and those right alone.
	ItemPriorAttempts, ItemPriorIndependent []int32
	// SkillPrior[o] is the mean over the attempt's skills of the earlier
	// attempts on the skill with outcome o; SkillRecent[o] the same
	// recency-weighted; SkillStreak the mean run of independent successes.
	SkillPrior  [NumOutcomes][]float64
	SkillRecent [NumOutcomes][]float64
	SkillStreak []float64
	// Extra[c] is the Extra's column c.
	Extra [][]float64
}

// Len returns the number of rows.
func (c *Chunk) Len() int { return len(c.Row) }

// reset empties c keeping its buffers, with extra columns.
func (c *Chunk) reset(extra int) {
	c.Row, c.SkillsFromItem = c.Row[:0], c.SkillsFromItem[:0]
	c.PriorAttempts, c.PriorIndependent, c.PriorSupported, c.PriorFailed = c.PriorAttempts[:0], c.PriorIndependent[:0], c.PriorSupported[:0], c.PriorFailed[:0]
	c.PriorHints, c.PriorHinted = c.PriorHints[:0], c.PriorHinted[:0]
	c.ItemPriorAttempts, c.ItemPriorIndependent = c.ItemPriorAttempts[:0], c.ItemPriorIndependent[:0]
	for o := range NumOutcomes {
		c.SkillPrior[o], c.SkillRecent[o] = c.SkillPrior[o][:0], c.SkillRecent[o][:0]
	}
	c.SkillStreak = c.SkillStreak[:0]
	if len(c.Extra) != extra {
		c.Extra = make([][]float64, extra)
	}
	for i := range c.Extra {
		c.Extra[i] = c.Extra[i][:0]
	}
}

// Table computes the leak-free feature table of a log: one row per attempt,
// learners in log order (first appearance), each learner's attempts in seq
// order, every feature as it stood before the attempt. It is not safe for
// concurrent use.
type Table struct {
	log      *datasets.Log
	ix       *Index
	hist     [][]int32
	skills   *Practice // per log skill
	items    *Practice // per log item: the learner's attempts at it
	extra    Walker
	nExtra   int
	buf      []float64
	next     int // next learner
	learners int // learners with rows so far
}

// NewTable prepares the table of log; recency weights fade by decay per
// attempt on a skill; extra may be nil.
func NewTable(log *datasets.Log, decay float64, extra Extra) *Table {
	return newTable(log, LogIndex(log), decay, extra)
}

// newTable is NewTable with the log's Index given: a part of a larger log
// shares the vocabulary, and item skills, of the whole.
func newTable(log *datasets.Log, ix *Index, decay float64, extra Extra) *Table {
	t := &Table{
		log:    log,
		ix:     ix,
		hist:   log.Histories(),
		skills: NewPractice(log.SkillIDs.Len(), decay),
		items:  NewPractice(log.Items.Len(), 0),
	}
	if extra != nil {
		t.extra, t.nExtra = extra.Walk(log), len(extra.Columns())
	}
	return t
}

// Next fills c with the rows of the next learners, whole learners only,
// until c holds at least rows rows or the log ends. It returns false when no
// learner was left.
func (t *Table) Next(c *Chunk, rows int) bool {
	c.reset(t.nExtra)
	for t.next < len(t.hist) && c.Len() < rows {
		if h := t.hist[t.next]; len(h) > 0 {
			t.learner(c, h)
			t.learners++
		}
		t.next++
	}
	return c.Len() > 0
}

// learner appends one learner's rows to c.
func (t *Table) learner(c *Chunk, rows []int32) {
	log := t.log
	t.skills.Reset()
	t.items.Reset()
	if t.extra != nil {
		t.extra.Reset()
	}
	var all Tally
	for _, r := range rows {
		j := log.Item[r]
		listed := log.SkillsOf(int(r))
		skills := t.ix.AttemptSkills(j, listed)
		c.Row = append(c.Row, r)
		c.SkillsFromItem = append(c.SkillsFromItem, len(listed) == 0 && len(skills) > 0)
		c.PriorAttempts = append(c.PriorAttempts, int32(all.Attempts()))
		c.PriorIndependent = append(c.PriorIndependent, int32(all.N[IndependentSuccess]))
		c.PriorSupported = append(c.PriorSupported, int32(all.N[SupportedSuccess]))
		c.PriorFailed = append(c.PriorFailed, int32(all.N[Failed]))
		c.PriorHints = append(c.PriorHints, all.Hints)
		c.PriorHinted = append(c.PriorHinted, int32(all.Hinted))
		it := t.items.Skill(j)
		c.ItemPriorAttempts = append(c.ItemPriorAttempts, int32(it.Attempts()))
		c.ItemPriorIndependent = append(c.ItemPriorIndependent, int32(it.N[IndependentSuccess]))
		var prior, recent [NumOutcomes]float64
		var streak float64
		for _, k := range skills {
			s := t.skills.Skill(k)
			for o := range NumOutcomes {
				prior[o] += float64(s.N[o])
				recent[o] += s.Recent[o]
			}
			streak += float64(s.Streak)
		}
		if n := float64(len(skills)); n > 0 {
			for o := range NumOutcomes {
				prior[o] /= n
				recent[o] /= n
			}
			streak /= n
		}
		for o := range NumOutcomes {
			c.SkillPrior[o] = append(c.SkillPrior[o], prior[o])
			c.SkillRecent[o] = append(c.SkillRecent[o], recent[o])
		}
		c.SkillStreak = append(c.SkillStreak, streak)
		if t.extra != nil {
			t.buf = t.extra.Before(t.buf[:0], int(r))
			for i, v := range t.buf {
				c.Extra[i] = append(c.Extra[i], v)
			}
		}

		// Only now is the attempt's outcome read.
		o := OutcomeOf(log.Independent[r], log.Supported[r])
		all.Add(o, log.HintsUsed[r], 0)
		t.items.Add([]int32{j}, o)
		t.skills.Add(skills, o)
		if t.extra != nil {
			t.extra.Observe(int(r))
		}
	}
}
