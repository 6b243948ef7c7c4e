package itemmean

import (
	"context"
	"math"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

func TestHandComputedRates(t *testing.T) {
	log := datasets.NewLog()
	add := func(learner, item string, ok bool, skills ...string) {
		a := datasets.NewAttempt()
		a.Learner, a.Item, a.Skills, a.Independent = learner, item, skills, ok
		log.Append(&a)
	}
	// 5 attempts, 3 successes: global 0.6.
	add("u", "A", true, "s")
	add("u", "A", false, "s")
	add("v", "A", true, "s", "s")
	add("v", "B", true, "t")
	add("v", "B", false, "t")
	m, err := Family{}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"m": 2}})
	if err != nil {
		t.Fatal(err)
	}
	// skill s: 2 of 3, smoothed (2 + 2*0.6)/(3+2) = 0.64; t: (1+1.2)/(2+2) = 0.55
	rs, rt := 0.64, 0.55
	tests := []struct {
		item   string
		skills []string
		want   float64
	}{
		{"A", []string{"s"}, (2 + 2*rs) / (3 + 2)},
		{"B", []string{"t"}, (1 + 2*rt) / (2 + 2)},
		{"new", []string{"s", "t", "zz"}, (rs + rt) / 2},
		{"new", nil, 0.6},
	}
	l := m.NewLearner()
	for _, tc := range tests {
		a := datasets.NewAttempt()
		a.Item, a.Skills = tc.item, tc.skills
		p := l.Predict(&a)
		if math.Abs(p.Independent-tc.want) > 1e-12 || p.Supported != p.Independent {
			t.Errorf("%s %v: got %+v, want %v", tc.item, tc.skills, p, tc.want)
		}
	}
}
