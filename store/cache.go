package store

import (
	"container/list"
	"math"
	"slices"
	"sync"
	"unsafe"
)

// historyCache keeps learners' histories between Appends, so that an
// Append to a learner seen lately reads one row instead of every attempt.
// The database stays the source of truth: an entry is used only when its
// revision equals the one the Append reads, under its lock, from the
// learner's row, which every write of the learner (by any process) changes.
// Least recently used entries are dropped past a byte budget.
type historyCache struct {
	mu      sync.Mutex
	budget  int64
	bytes   int64
	entries map[string]*list.Element // of *cachedLearner
	lru     list.List                // most recently used first
}

// cachedLearner is a learner's history as an Append needs it, at one
// revision of its row. It is never changed once cached.
type cachedLearner struct {
	id       string
	revision int64
	lastSeq  int64
	state    State
	attempts []cachedAttempt
	size     int64
}

// cachedAttempt holds the fields of an attempt that loadHistory reads: half
// the memory of an Attempt.
type cachedAttempt struct {
	eventID, item string
	skills        []string
	seq           int64
	independent   bool
	supported     bool
	check         bool
}

var nan = math.NaN()

// newHistoryCache returns a cache of at most budget bytes, nil (no cache)
// when budget ≤ 0.
func newHistoryCache(budget int64) *historyCache {
	if budget <= 0 {
		return nil
	}
	return &historyCache{budget: budget, entries: map[string]*list.Element{}}
}

// The sizes an entry is charged: its structs, the strings they point at, and
// the map and list overhead, roughly, as the heap holds them.
const (
	entryOverhead   = int64(unsafe.Sizeof(cachedLearner{})+unsafe.Sizeof(list.Element{})) + 64
	attemptOverhead = int64(unsafe.Sizeof(cachedAttempt{}))
	stringOverhead  = int64(unsafe.Sizeof(""))
)

// get returns learner id's entry when it is at revision, nil otherwise.
func (c *historyCache) get(id string, revision int64) *cachedLearner {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil
	}
	cl := e.Value.(*cachedLearner)
	if cl.revision != revision {
		// Another writer (another process, or a commit of this one whose
		// entry was replaced) changed the learner: the entry is of no use.
		c.removeElement(e)
		return nil
	}
	c.lru.MoveToFront(e)
	return cl
}

// peek returns learner id's entry at whatever revision, nil when there is
// none: what an Append works on before its transaction confirms the
// revision.
func (c *historyCache) peek(id string) *cachedLearner {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedLearner)
}

// put caches l, stored at revision with lastSeq, replacing any entry of
// the learner; a learner larger than a quarter of the budget is not kept.
func (c *historyCache) put(l *Learner, revision, lastSeq int64) {
	if c == nil {
		return
	}
	cl := &cachedLearner{id: l.ID, revision: revision, lastSeq: lastSeq,
		state:    State{Served: l.State.Served, Checks: slices.Clone(l.State.Checks)},
		attempts: make([]cachedAttempt, len(l.Attempts))}
	size := entryOverhead + 2*int64(len(l.ID))
	for _, k := range cl.state.Checks {
		size += stringOverhead + int64(len(k))
	}
	for i := range l.Attempts {
		a := &l.Attempts[i]
		cl.attempts[i] = cachedAttempt{eventID: a.EventID, item: a.Item, skills: a.Skills, seq: a.Seq,
			independent: a.Independent, supported: a.Supported, check: a.Check}
		size += attemptOverhead + int64(len(a.EventID)+len(a.Item))
		for _, k := range a.Skills {
			size += stringOverhead + int64(len(k))
		}
	}
	cl.size = size
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[l.ID]; ok {
		c.removeElement(e)
	}
	if size > c.budget/4 {
		return
	}
	c.entries[l.ID] = c.lru.PushFront(cl)
	c.bytes += size
	for c.bytes > c.budget {
		c.removeElement(c.lru.Back())
	}
}

// remove drops learner id's entry.
func (c *historyCache) remove(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		c.removeElement(e)
	}
}

func (c *historyCache) removeElement(e *list.Element) {
	cl := c.lru.Remove(e).(*cachedLearner)
	delete(c.entries, cl.id)
	c.bytes -= cl.size
}

// learner returns the cached learner as Append works on it: its own copy
// of the attempts (room for added more), with the fields loadHistory does
// not read left unknown.
func (cl *cachedLearner) learner(extra int) *Learner {
	l := &Learner{ID: cl.id, State: State{Served: cl.state.Served, Checks: slices.Clone(cl.state.Checks)},
		Attempts: make([]Attempt, len(cl.attempts), len(cl.attempts)+extra)}
	for i := range cl.attempts {
		a := &cl.attempts[i]
		l.Attempts[i] = Attempt{EventID: a.eventID, Seq: a.seq, Item: a.item, Skills: a.skills,
			Independent: a.independent, Supported: a.supported, Check: a.check,
			HintsAvailable: -1, ResponseMS: nan, Difficulty: nan}
	}
	return l
}
