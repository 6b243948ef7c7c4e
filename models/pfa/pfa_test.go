package pfa

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

func attempt(ok bool, skills ...string) *datasets.Attempt {
	a := datasets.NewAttempt()
	a.Item, a.Skills, a.Independent = "x", skills, ok
	return &a
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func TestLearnerHandComputed(t *testing.T) {
	m, err := Family{}.Unmarshal([]byte(`{"format_version":1,"c":1,"intercept":0.1,
		"skills":{"s":{"beta":0.2,"gamma":0.3,"rho":-0.1},"u":{"beta":-0.5,"gamma":0.05,"rho":0.4}}}`))
	if err != nil {
		t.Fatal(err)
	}
	l := m.NewLearner()
	steps := []struct {
		a    *datasets.Attempt
		want float64 // predicted before observing a
	}{
		{attempt(true, "s"), sigmoid(0.1 + 0.2)},
		// s: 1 success
		{attempt(false, "s", "u"), sigmoid(0.1 + 0.2 + 0.3 - 0.5)},
		// s: 1 success 1 failure; u: 1 failure. Duplicate and unknown skills
		// count once and not at all.
		{attempt(true, "u", "s", "u", "new"), sigmoid(0.1 + (0.2 + 0.3 - 0.1) + (-0.5 + 0.4))},
		// s: 2 successes 1 failure; u: 1 success 1 failure
		{attempt(false, "u"), sigmoid(0.1 - 0.5 + 0.05 + 0.4)},
		{attempt(false), sigmoid(0.1)},
	}
	for k, s := range steps {
		p := l.Predict(s.a)
		if math.Abs(p.Independent-s.want) > 1e-12 || p.Supported != p.Independent {
			t.Errorf("step %d: got %+v, want %v", k, p, s.want)
		}
		l.Observe(s.a)
	}
}

// TestFitLearnsFromPracticeCounts fits on a skill where success follows
// earlier successes and checks the sign of the fitted weights.
func TestFitLearnsFromPracticeCounts(t *testing.T) {
	log := datasets.NewLog()
	for u := 0; u < 30; u++ {
		succ := 0
		for k := 0; k < 12; k++ {
			a := attempt((u+k)%7 < 2+succ, "s")
			if a.Independent {
				succ++
			}
			a.Learner, a.Seq = strconv.Itoa(u), int64(k)
			log.Append(a)
		}
	}
	m, err := Family{}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"c": 10.0}})
	if err != nil {
		t.Fatal(err)
	}
	w := m.(*Model).Skills["s"]
	if !(w.Success > 0) || !(w.Success > w.Failure) {
		t.Errorf("weights %+v: want a positive success weight above the failure weight", w)
	}
}
