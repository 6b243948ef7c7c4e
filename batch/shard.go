package batch

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects the learners one process scores: those whose LearnerHash
// modulo Count is Index. The zero Shard means the whole cohort (0 of 1).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard parses "i/N" (0 ≤ i < N); "" means the whole cohort.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{0, 1}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/N, e.g. 0/4", s)
	}
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/N with whole numbers, e.g. 0/4", s)
	}
	sh := Shard{idx, cnt}
	return sh, sh.check()
}

// normalized returns s with the zero value read as 0 of 1.
func (s Shard) normalized() Shard {
	if s.Count == 0 && s.Index == 0 {
		return Shard{0, 1}
	}
	return s
}

func (s Shard) check() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 ≤ index < count", s.Index, s.Count)
	}
	return nil
}

// String returns "i/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// name is the shard's part of output file names: shard-0001-of-0004.
func (s Shard) name() string { return fmt.Sprintf("shard-%04d-of-%04d", s.Index, s.Count) }

// LearnerHash is the 64-bit hash that assigns a learner to a shard and to
// a part: FNV-1a of the id's bytes, finished with the SplitMix64 mixer so
// that every bit depends on every input byte. It is fixed by this
// documentation (docs/score.md), so machines running different shards of a
// cohort agree.
func LearnerHash(id string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= fnvPrime
	}
	return mix64(h)
}

// FNV-1a 64-bit parameters (hash/fnv), inlined: the hash runs once per
// learner per record batch and must not allocate.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix64 is the SplitMix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// placement maps a learner hash to its shard and its part within the
// shard: shard = h mod N, part = (h div N) mod P, so the parts of one
// shard are an even split of its learners.
type placement struct {
	shard Shard
	parts int
}

// part returns the learner's part, or -1 when the learner is in another shard.
func (p placement) part(h uint64) int {
	n := uint64(p.shard.Count)
	if h%n != uint64(p.shard.Index) {
		return -1
	}
	return int((h / n) % uint64(p.parts))
}
