package ingest

import (
	"slices"
	"testing"
)

func TestSymbols(t *testing.T) {
	var s Symbols
	for _, id := range []string{"b", "a", "b", "10", "9"} {
		if _, ok := s.ID([]byte(id)); !ok {
			t.Fatalf("ID(%q) refused", id)
		}
	}
	if s.Len() != 4 {
		t.Fatalf("Len = %d, want 4", s.Len())
	}
	if _, ok := s.ID([]byte{0xff}); ok {
		t.Error("invalid UTF-8 accepted")
	}
	// indexes b=0 a=1 10=2 9=3; string order 10 < 9 < a < b
	if got, want := s.Ranks(), []int32{3, 2, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("Ranks = %v, want %v", got, want)
	}
}

func TestByLearner(t *testing.T) {
	learners := []int32{1, 0, 1, 2, 0}
	ranks := []int32{2, 0, 1} // learner 1 first, then 2, then 0
	order, start := ByLearner(len(learners), func(i int) int32 { return learners[i] }, ranks)
	if want := []int32{0, 2, 3, 1, 4}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if want := []int32{0, 2, 3, 5}; !slices.Equal(start, want) {
		t.Errorf("start = %v, want %v", start, want)
	}
}

func TestRows(t *testing.T) {
	var r Rows[int]
	const n = 3<<chunkBits + 5
	for i := range n {
		r.Append(i)
	}
	if r.Len() != n {
		t.Fatalf("Len = %d, want %d", r.Len(), n)
	}
	for _, i := range []int32{0, 1<<chunkBits - 1, 1 << chunkBits, n - 1} {
		if *r.At(i) != int(i) {
			t.Errorf("At(%d) = %d", i, *r.At(i))
		}
	}
	if got := len(r.chunks[0]); got != 1<<chunkBits {
		t.Errorf("first chunk holds %d rows, want %d", got, 1<<chunkBits)
	}
}
