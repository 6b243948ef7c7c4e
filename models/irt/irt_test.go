package irt

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

func attempt(item string, ok bool, skills ...string) *datasets.Attempt {
	a := datasets.NewAttempt()
	a.Item, a.Skills, a.Independent = item, skills, ok
	return &a
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// handModel: items A (b=1) and B (b=-1) with skill s; prior N(0.5, 2^2).
func handModel(t *testing.T) models.Model {
	t.Helper()
	m, err := Family{}.Unmarshal([]byte(`{"format_version":1,"c":1,"mu":0.5,"sigma":2,
		"difficulty":{"A":1,"B":-1},"skill_difficulty":{"s":0.25,"u":-0.75},"mean_difficulty":0.1}`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLearnerPredictionsAndFallbacks(t *testing.T) {
	m := handModel(t)
	l := m.NewLearner()
	tests := []struct {
		name string
		a    *datasets.Attempt
		want float64
	}{
		{"known item", attempt("A", false), sigmoid(0.5 - 1)},
		{"unseen item, known skills", attempt("Z", false, "s", "u", "nope"), sigmoid(0.5 - (-0.25))},
		{"unseen item and skills", attempt("Z", false, "nope"), sigmoid(0.5 - 0.1)},
	}
	for _, tc := range tests {
		p := l.Predict(tc.a)
		if math.Abs(p.Independent-tc.want) > 1e-12 || p.Supported != p.Independent {
			t.Errorf("%s: got %+v, want %v for both", tc.name, p, tc.want)
		}
	}
}

// TestObserveIsMAP checks the online ability against the MAP equation
// (y - p summed) = (theta - mu)/sigma^2, solved here by bisection.
func TestObserveIsMAP(t *testing.T) {
	m := handModel(t)
	l := m.NewLearner().(*Learner)
	hist := []struct {
		b  float64
		it string
		y  bool
	}{{1, "A", true}, {-1, "B", false}, {1, "A", true}, {1, "A", true}}
	for k, h := range hist {
		l.Observe(attempt(h.it, h.y))
		score := func(theta float64) float64 {
			s := -(theta - 0.5) / 4
			for _, g := range hist[:k+1] {
				y := 0.0
				if g.y {
					y = 1
				}
				s += y - sigmoid(theta-g.b)
			}
			return s
		}
		lo, hi := -20.0, 20.0
		for i := 0; i < 200; i++ {
			mid := (lo + hi) / 2
			if score(mid) > 0 {
				lo = mid
			} else {
				hi = mid
			}
		}
		if math.Abs(l.Theta-lo) > 1e-9 {
			t.Errorf("after %d attempts theta = %.12f, MAP = %.12f", k+1, l.Theta, lo)
		}
	}
	if p := l.Predict(attempt("A", false)); math.Abs(p.Independent-sigmoid(l.Theta-1)) > 1e-15 {
		t.Errorf("prediction %v does not use the updated theta", p)
	}
}

// TestFitRecoversOrdering fits on learners of graded ability and items of
// graded difficulty and checks the order of the estimates.
func TestFitRecoversOrdering(t *testing.T) {
	log := datasets.NewLog()
	// Learner u succeeds on item j when u >= j (a Guttman pattern), twice.
	for u := 0; u < 6; u++ {
		for rep := 0; rep < 2; rep++ {
			for j := 0; j < 6; j++ {
				a := attempt("i"+strconv.Itoa(j), u >= j, "s")
				a.Learner, a.Seq = "u"+strconv.Itoa(u), int64(rep*10+j)
				log.Append(a)
			}
		}
	}
	m, err := Family{}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"c": 1}})
	if err != nil {
		t.Fatal(err)
	}
	d := m.(*Model).Difficulty
	for j := 1; j < 6; j++ {
		if !(d["i"+strconv.Itoa(j)] > d["i"+strconv.Itoa(j-1)]) {
			t.Errorf("difficulty of i%d (%g) not above i%d (%g)", j, d["i"+strconv.Itoa(j)], j-1, d["i"+strconv.Itoa(j-1)])
		}
	}
	mm := m.(*Model)
	if !(mm.Sigma > 0) || math.Abs(mm.SkillDifficulty["s"]-mm.MeanDifficulty) > 1e-12 {
		t.Errorf("sigma %g, skill difficulty %g vs mean %g (one skill: must equal)", mm.Sigma, mm.SkillDifficulty["s"], mm.MeanDifficulty)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	for _, js := range []string{`{`, `{"format_version":2,"sigma":1,"difficulty":{}}`, `{"format_version":1,"sigma":0,"difficulty":{}}`} {
		if _, err := (Family{}).Unmarshal([]byte(js)); err == nil {
			t.Errorf("accepted %s", js)
		}
	}
}
