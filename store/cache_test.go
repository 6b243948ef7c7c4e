package store

import (
	"fmt"
	"testing"
)

// TestCacheSeesOtherWriters: two stores (two replicas, or a server and
// zpd learners import) on one database. What one writes, the other's
// cached history must not hide: appends, a delete, and a learner stored
// afresh under the same id with as many attempts as before.
func TestCacheSeesOtherWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		a, b := open(t, dsn), open(t, dsn)
		// seen records the history each update is given.
		var seen []string
		update := func(l *Learner, added int) error {
			seen = seen[:0]
			for _, at := range l.Attempts {
				seen = append(seen, fmt.Sprintf("%s/%d/%s/%t", at.EventID, at.Seq, at.Item, at.Independent))
			}
			l.State.Served += int64(added)
			return nil
		}
		appendTo := func(s LearnerStore, ev, item string, ind bool) []string {
			t.Helper()
			if _, added, err := s.Append(ctx, "u", []Attempt{attempt(ev, item, NoSeq, ind, true)}, update); err != nil || added != 1 {
				t.Fatalf("append %s: %d, %v", ev, added, err)
			}
			return append([]string(nil), seen...)
		}
		appendTo(a, "e1", "i1", true) // a caches u
		appendTo(a, "e2", "i2", false)
		appendTo(b, "e3", "i3", true) // b changes u behind a's cache
		got := appendTo(a, "e4", "i4", false)
		want := []string{"e1/1/i1/true", "e2/2/i2/false", "e3/3/i3/true", "e4/4/i4/false"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("a scored on %v after b's append, want %v", got, want)
		}
		// b deletes u and stores four other attempts: the same count, so
		// only the revision tells a's cache is stale.
		if ok, err := b.Delete(ctx, "u"); err != nil || !ok {
			t.Fatal(ok, err)
		}
		for i := range 4 {
			appendTo(b, fmt.Sprint("f", i), fmt.Sprint("j", i), i%2 == 1)
		}
		got = appendTo(a, "e5", "i5", true)
		want = []string{"f0/1/j0/false", "f1/2/j1/true", "f2/3/j2/false", "f3/4/j3/true", "e5/5/i5/true"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("a scored on %v after b's delete and re-append, want %v", got, want)
		}
		// A retry a's stale cache would have taken as stored (e1, gone
		// with the delete) is a new attempt.
		appendTo(b, "g", "k", true)
		if _, added, err := a.Append(ctx, "u", []Attempt{attempt("e1", "i1", NoSeq, true, true)}, update); err != nil || added != 1 {
			t.Fatalf("e1 after the delete: added %d, %v", added, err)
		}
		l, err := b.Learner(ctx, "u")
		if err != nil || len(l.Attempts) != 7 || l.State.Served != 7 {
			t.Fatalf("stored: %+v, %v", l, err)
		}
	})
}

// TestCacheBudget: the cache drops the least recently used learners past
// its byte budget and keeps its count of bytes right.
func TestCacheBudget(t *testing.T) {
	c := newHistoryCache(4 * 2048)
	learner := func(id string, n int) *Learner {
		l := &Learner{ID: id}
		for i := range n {
			l.Attempts = append(l.Attempts, attempt(fmt.Sprint("ev", i), "item", int64(i+1), true, true))
		}
		return l
	}
	c.put(learner("big", 200), 1, 200) // over a quarter of the budget: not kept
	if c.get("big", 1) != nil || c.bytes != 0 {
		t.Fatalf("an entry over a quarter of the budget was kept (%d bytes)", c.bytes)
	}
	for i := range 20 {
		c.put(learner(fmt.Sprint("u", i), 5), 1, 5)
		if c.bytes > c.budget {
			t.Fatalf("%d bytes cached, budget %d", c.bytes, c.budget)
		}
	}
	if c.get("u19", 1) == nil || c.get("u0", 1) != nil {
		t.Fatal("want the newest entry kept and the oldest dropped")
	}
	if c.get("u19", 2) != nil || c.get("u19", 1) != nil {
		t.Fatal("an entry at another revision must be dropped, not returned")
	}
	var sum int64
	for _, e := range c.entries {
		sum += e.Value.(*cachedLearner).size
	}
	if sum != c.bytes || len(c.entries) != c.lru.Len() {
		t.Fatalf("bytes %d, entries sum %d; %d entries, %d in the list", c.bytes, sum, len(c.entries), c.lru.Len())
	}
}
