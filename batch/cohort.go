package batch

import (
	"slices"
	"sort"
	"strings"

	"github.com/zpd-project/zpd/datasets"
)

// Flags of an attempt kept for scoring and counting.
const (
	flagIndependent uint8 = 1 << iota
	flagSupported
	flagHinted // hints_used > 0 (the elasticity model's feedback stage reads it)
)

// cohort holds the attempts of one part in memory as columns, with learner
// ids interned and items and skills already resolved to model indexes:
// everything scoring needs and nothing more (about 30 bytes an attempt).
type cohort struct {
	ids   []string // learner ids by local index
	index map[string]int32

	learner []int32 // local learner index per attempt
	item    []int32 // model item index or elasticity.NoItem
	// skillEnd[i] ends attempt i's skills in skills; attempt i's start at
	// skillEnd[i-1] (0 for the first).
	skillEnd []int32
	skills   []int32 // model skill indexes (unknown skills left out)
	seq      []int64
	timeMS   []int64 // Unix ms; datasets.NoTime when unknown
	flags    []uint8
}

// bytesPerAttempt is the memory one attempt costs while its part is held,
// grouped and scored: the cohort's columns (≈ 30 bytes with 1.3 skills per
// attempt), the grouping permutation (4) and the learner table amortised
// over a learner's attempts, doubled for the garbage collector's headroom
// (the heap grows to twice the live data before a collection).
const bytesPerAttempt = 2 * 44

// newCohort returns an empty cohort with room for attempts attempts and
// skills skills.
func newCohort(attempts, skills int) *cohort {
	capacity := attempts
	return &cohort{
		index:    make(map[string]int32),
		learner:  make([]int32, 0, capacity),
		item:     make([]int32, 0, capacity),
		skillEnd: make([]int32, 0, capacity),
		skills:   make([]int32, 0, skills),
		seq:      make([]int64, 0, capacity),
		timeMS:   make([]int64, 0, capacity),
		flags:    make([]uint8, 0, capacity),
	}
}

// reset empties c for reuse, keeping its buffers.
func (c *cohort) reset() {
	c.ids = c.ids[:0]
	clear(c.index)
	c.learner, c.item, c.skillEnd, c.skills = c.learner[:0], c.item[:0], c.skillEnd[:0], c.skills[:0]
	c.seq, c.timeMS, c.flags = c.seq[:0], c.timeMS[:0], c.flags[:0]
}

// Len returns the number of attempts.
func (c *cohort) Len() int { return len(c.learner) }

// intern returns the local index of learner id. A new id is copied: ids
// from Arrow arrays point into their buffers, which must not be kept alive.
func (c *cohort) intern(id string) int32 {
	if u, ok := c.index[id]; ok {
		return u
	}
	id = strings.Clone(id)
	u := int32(len(c.ids))
	c.ids = append(c.ids, id)
	c.index[id] = u
	return u
}

// internBytes is intern for an id in a byte slice; the map lookup does not
// allocate, only a new learner's id is copied.
func (c *cohort) internBytes(id []byte) int32 {
	if u, ok := c.index[string(id)]; ok {
		return u
	}
	u := int32(len(c.ids))
	s := string(id)
	c.ids = append(c.ids, s)
	c.index[s] = u
	return u
}

// add appends one attempt whose skills were appended to c.skills already.
func (c *cohort) add(u, item int32, seq, timeMS int64, flags uint8) {
	c.learner = append(c.learner, u)
	c.item = append(c.item, item)
	c.skillEnd = append(c.skillEnd, int32(len(c.skills)))
	c.seq = append(c.seq, seq)
	c.timeMS = append(c.timeMS, timeMS)
	c.flags = append(c.flags, flags)
}

// skillsOf returns attempt i's model skill indexes.
func (c *cohort) skillsOf(i int32) []int32 {
	start := int32(0)
	if i > 0 {
		start = c.skillEnd[i-1]
	}
	return c.skills[start:c.skillEnd[i]]
}

// groups is a cohort's attempts grouped by learner: learner u's attempts
// are rows[start[u]:start[u+1]], in Seq order (ties in input order).
type groups struct {
	rows  []int32
	start []int32
	// order lists the learners sorted by id, the order of the output rows.
	order []int32
}

// group sorts the attempts by learner (a counting sort, stable, so input
// order survives) and each learner's attempts by Seq.
func (c *cohort) group() *groups {
	n := len(c.ids)
	start := make([]int32, n+1)
	for _, u := range c.learner {
		start[u+1]++
	}
	for u := range n {
		start[u+1] += start[u]
	}
	next := slices.Clone(start[:n])
	rows := make([]int32, len(c.learner))
	for i, u := range c.learner {
		rows[next[u]] = int32(i)
		next[u]++
	}
	for u := range n {
		c.sortBySeq(rows[start[u]:start[u+1]])
	}
	order := make([]int32, n)
	for u := range order {
		order[u] = int32(u)
	}
	sort.Slice(order, func(a, b int) bool { return c.ids[order[a]] < c.ids[order[b]] })
	return &groups{rows: rows, start: start, order: order}
}

// sortBySeq puts one learner's rows in Seq order, keeping input order for
// equal Seq. Logs are usually in order already, so check before sorting.
func (c *cohort) sortBySeq(rows []int32) {
	for k := 1; k < len(rows); k++ {
		if c.seq[rows[k]] < c.seq[rows[k-1]] {
			sort.SliceStable(rows, func(a, b int) bool { return c.seq[rows[a]] < c.seq[rows[b]] })
			return
		}
	}
}

// noTime is datasets.NoTime, the unknown timestamp.
const noTime = datasets.NoTime
