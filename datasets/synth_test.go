package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// synthAttempts returns n consistent attempts from a seeded generator:
// learners in runs of about 200 attempts with increasing seq, items drawn
// from a pool with 0-3 skills each, support flags derived from the outcome
// the way the schema defines them, and some unknown optional fields.
func synthAttempts(n int, seed uint64, groups int) []Attempt {
	out, _ := synthAttemptsFrom(n, seed, groups, 0)
	return out
}

// synthAttemptsFrom is synthAttempts with learners numbered from first; it
// returns the next unused learner number, so that chunks can be
// concatenated into one consistent log.
func synthAttemptsFrom(n int, seed uint64, groups int, first int) ([]Attempt, int) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const items = 5000
	itemSkills := make([][]string, items)
	for i := range itemSkills {
		for k := 0; k < i%4; k++ {
			itemSkills[i] = append(itemSkills[i], fmt.Sprintf("skill-%d", (i*7+k*13)%300))
		}
	}
	out := make([]Attempt, n)
	learner, seq := first, int64(0)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		if rng.IntN(200) == 0 {
			learner++
			seq = 0
		}
		seq += 1 + int64(rng.IntN(3))
		item := rng.IntN(items)
		a := NewAttempt()
		a.Learner = fmt.Sprintf("L%06d", learner)
		a.Item = fmt.Sprintf("item-%d", item)
		a.Skills = itemSkills[item]
		a.Seq = seq
		if rng.IntN(10) != 0 {
			a.Time = t0.Add(time.Duration(learner)*time.Hour + time.Duration(seq)*time.Minute)
		}
		a.Independent = rng.IntN(2) == 0
		if item%3 != 0 {
			a.HintsAvailable = int32(item % 5)
		}
		if !a.Independent {
			a.HintsUsed = int32(rng.IntN(3))
			a.Retries = int32(rng.IntN(3))
			a.AnswerGiven = rng.IntN(5) == 0
			a.Scaffolded = rng.IntN(7) == 0
			if a.HintsAvailable >= 0 && a.HintsUsed > a.HintsAvailable {
				a.HintsUsed = a.HintsAvailable
			}
		}
		a.Supported = !a.AnswerGiven
		if rng.IntN(4) != 0 {
			a.ResponseMS = float64(500 + rng.IntN(60000))
		}
		if item%2 == 0 {
			a.Difficulty = math.Round(float64(item%100)) / 10
		}
		for g := 0; g < groups; g++ {
			v := ""
			if learner%5 != 0 {
				v = fmt.Sprintf("g%d-%d", g, learner%(7+g))
			}
			a.Groups = append(a.Groups, v)
		}
		out[i] = a
	}
	return out, learner + 1
}

// synthLog returns synthAttempts as a Log with group columns group_0...
func synthLog(n int, seed uint64, groups int) *Log {
	names := make([]string, groups)
	for g := range names {
		names[g] = fmt.Sprintf("%s%d", GroupPrefix, g)
	}
	l := NewLog(names...)
	for _, a := range synthAttempts(n, seed, groups) {
		l.Append(&a)
	}
	return l
}
