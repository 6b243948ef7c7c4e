package ingest

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Symbols interns ids read as bytes into dense int32 indexes, allocating a
// string only the first time an id is seen.
type Symbols struct {
	index map[string]int32
	names []string
	last  int32 // index of the id looked up last, -1 before any
}

// ID returns the index of id, adding it if new. It reports false, adding
// nothing, when id is new and not valid UTF-8.
func (s *Symbols) ID(id []byte) (int32, bool) {
	// Logs list a learner's (or a skill's) rows together: checking the id of
	// the previous call first saves most hash lookups.
	if len(s.names) > 0 && s.names[s.last] == string(id) {
		return s.last, true
	}
	if i, ok := s.index[string(id)]; ok { // no allocation for the lookup
		s.last = i
		return i, true
	}
	if !utf8.Valid(id) {
		return 0, false
	}
	if s.index == nil {
		s.index = make(map[string]int32)
	}
	i := int32(len(s.names))
	name := string(id)
	s.names = append(s.names, name)
	s.index[name] = i
	s.last = i
	return i, true
}

// Name returns the id at index i.
func (s *Symbols) Name(i int32) string { return s.names[i] }

// Len returns the number of distinct ids.
func (s *Symbols) Len() int { return len(s.names) }

// Ranks returns, for each index, the position of its id in byte-wise string
// order (which is code-point order for UTF-8, as Python sorts).
func (s *Symbols) Ranks() []int32 {
	byName := make([]int32, len(s.names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(s.names[a], s.names[b]) })
	ranks := make([]int32, len(s.names))
	for r, i := range byName {
		ranks[i] = int32(r)
	}
	return ranks
}

// ByLearner orders row indexes by learner: order lists the rows of the
// learner ranked 0 first, then rank 1, and so on, each learner's rows in
// file order; start[k]:start[k+1] bounds rank k's rows in order. learner(i)
// is the learner index of row i and ranks maps learner index to rank. It is a
// counting sort: linear in the rows and stable.
func ByLearner(n int, learner func(i int) int32, ranks []int32) (order, start []int32) {
	start = make([]int32, len(ranks)+1)
	for i := range n {
		start[ranks[learner(i)]+1]++
	}
	for k := 1; k < len(start); k++ {
		start[k] += start[k-1]
	}
	next := slices.Clone(start[:len(ranks)])
	order = make([]int32, n)
	for i := range n {
		k := ranks[learner(i)]
		order[next[k]] = int32(i)
		next[k]++
	}
	return order, start
}
