package protocol

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

func TestLearnerFold(t *testing.T) {
	// FNV-1a 32-bit: offset basis 0x811c9dc5, prime 0x01000193. "" and
	// "a", "foobar" are the published test vectors; "1" by hand:
	// (0x811c9dc5 ^ 0x31) * 0x01000193 mod 2^32 = 0x340ca71c.
	tests := []struct {
		id   string
		hash uint32
	}{
		{"", 0x811c9dc5},
		{"a", 0xe40c292c},
		{"foobar", 0xbf9cf968},
		{"1", 0x340ca71c},
	}
	for _, tc := range tests {
		if got, want := LearnerFold(tc.id), int(tc.hash%5); got != want {
			t.Errorf("LearnerFold(%q) = %d, want %d (hash %#x)", tc.id, got, want, tc.hash)
		}
	}
	// The folds of these explicit values: 0x811c9dc5 % 5 = 1, 0x340ca71c % 5 = 4.
	if LearnerFold("") != 1 || LearnerFold("1") != 4 {
		t.Errorf("folds of \"\" and \"1\" = %d, %d; want 1, 4", LearnerFold(""), LearnerFold("1"))
	}
}

// synthLog returns a log of n learners (ids "1".."n") with 5..24 attempts
// each, appended in shuffled order so that log order is not Seq order.
func synthLog(n int, seed uint64) *datasets.Log {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rows []datasets.Attempt
	for u := 1; u <= n; u++ {
		k := 5 + rng.IntN(20)
		for s := 0; s < k; s++ {
			a := datasets.NewAttempt()
			a.Learner = strconv.Itoa(u)
			a.Item = "i" + strconv.Itoa(rng.IntN(15))
			a.Skills = []string{"s" + strconv.Itoa(rng.IntN(4))}
			a.Seq = int64(100*s + rng.IntN(50))
			a.Independent = rng.Float64() < 0.6
			a.HintsAvailable = 3
			if !a.Independent {
				a.HintsUsed = int32(rng.IntN(4))
				a.Retries = int32(rng.IntN(3))
			}
			a.AnswerGiven = a.HintsUsed >= 3
			a.Supported = !a.AnswerGiven
			a.ResponseMS = float64(1000 + rng.IntN(9000))
			rows = append(rows, a)
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	log := datasets.NewLog()
	for i := range rows {
		log.Append(&rows[i])
	}
	return log
}
