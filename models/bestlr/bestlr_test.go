package bestlr

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

func attempt(item string, ok bool, hints int32, skills ...string) *datasets.Attempt {
	a := datasets.NewAttempt()
	a.Item, a.Skills, a.Independent, a.HintsUsed = item, skills, ok, hints
	return &a
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

const handParams = `{"format_version":1,"family":"bestlr+support","c":1,"intercept":0.1,
	"items":{"A":0.5},
	"skills":{"s":{"easiness":0.2,"attempts":0.1,"successes":0.3}},
	"history":{"item_attempts":-0.2,"item_successes":0.4,"attempts":0.05,"successes":0.15,
		"hints":-0.3,"hint_fraction":-0.6}}`

func TestSupportLearnerHandComputed(t *testing.T) {
	m, err := Family{Support: true}.Unmarshal([]byte(handParams))
	if err != nil {
		t.Fatal(err)
	}
	ln2, ln3 := math.Ln2, math.Log(3)
	l := m.NewLearner()
	steps := []struct {
		a    *datasets.Attempt
		want float64
	}{
		{attempt("A", true, 0, "s"), 0.1 + 0.5 + 0.2},
		// unseen item B; history: 1 attempt, 1 success, on s too; no hints
		{attempt("B", false, 2, "s"), 0.1 + (0.2 + 0.1*ln2 + 0.3*ln2) + 0.05*ln2 + 0.15*ln2},
		// A again: item 1/1; s 2 attempts 1 success (duplicate skill once);
		// total 2/1; hints 2; hint on 1 of 2 attempts; unknown skill ignored
		{attempt("A", true, 0, "s", "s", "new"), 0.1 + 0.5 + (-0.2*ln2 + 0.4*ln2) + (0.2 + 0.1*ln3 + 0.3*ln2) +
			0.05*ln3 + 0.15*ln2 - 0.3*ln3 - 0.6*0.5},
	}
	for k, s := range steps {
		p := l.Predict(s.a)
		if math.Abs(p.Independent-sigmoid(s.want)) > 1e-12 || p.Supported != p.Independent {
			t.Errorf("step %d: got %+v, want %v", k, p, sigmoid(s.want))
		}
		l.Observe(s.a)
	}
}

func TestPlainBestLRIgnoresHints(t *testing.T) {
	plain := strings.Replace(handParams, `"bestlr+support"`, `"bestlr"`, 1)
	m, err := Family{}.Unmarshal([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.NewLearner(), m.NewLearner()
	a.Observe(attempt("A", false, 0, "s"))
	b.Observe(attempt("A", false, 5, "s"))
	next := attempt("A", false, 0, "s")
	if pa, pb := a.Predict(next), b.Predict(next); pa != pb {
		t.Errorf("hint use changed Best-LR: %v vs %v", pa, pb)
	}
	if _, err := (Family{Support: true}).Unmarshal([]byte(plain)); err == nil {
		t.Error("bestlr+support accepted bestlr params")
	}
	if _, err := (Family{}).Unmarshal([]byte(handParams)); err == nil {
		t.Error("bestlr accepted bestlr+support params")
	}
}

// TestFitUsesHintHistory builds learners whose success alone falls with
// their earlier hint use, and checks that the fitted +support weights say so.
func TestFitUsesHintHistory(t *testing.T) {
	log := datasets.NewLog()
	for u := 0; u < 40; u++ {
		hinter := u%2 == 0
		for k := 0; k < 15; k++ {
			ok := (u*7+k*3)%10 < 7
			var hints int32
			if hinter {
				ok = (u*7+k*3)%10 < 3
				hints = 2
			}
			a := attempt("i"+strconv.Itoa(k%5), ok, hints, "s")
			a.Learner, a.Seq = strconv.Itoa(u), int64(k)
			log.Append(a)
		}
	}
	m, err := Family{Support: true}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"c": 1.0}})
	if err != nil {
		t.Fatal(err)
	}
	fresh, hinted := m.NewLearner(), m.NewLearner()
	for k := 0; k < 5; k++ {
		fresh.Observe(attempt("i0", true, 0, "s"))
		hinted.Observe(attempt("i0", true, 2, "s"))
	}
	next := attempt("i1", false, 0, "s")
	if pf, ph := fresh.Predict(next).Independent, hinted.Predict(next).Independent; !(ph < pf) {
		t.Errorf("after equal success, the hint user gets %.3f, the other %.3f; want lower", ph, pf)
	}
}

// TestStage2HandComputed: bestlr+stage2 predicts success with support from
// its own weights on the same features, and its params round-trip.
func TestStage2HandComputed(t *testing.T) {
	two := strings.Replace(handParams, `"bestlr+support"`, `"bestlr+stage2"`, 1)
	two = strings.TrimSuffix(two, "}") + `,"stage2":{"intercept":-0.4,"items":{"A":1.5},
	"skills":{"s":{"easiness":0.0,"attempts":0.0,"successes":0.0}},
	"history":{"item_attempts":0,"item_successes":0,"attempts":0,"successes":0,"hints":0.5,"hint_fraction":0}}}`
	m, err := Family{Support: true, Stage2: true}.Unmarshal([]byte(two))
	if err != nil {
		t.Fatal(err)
	}
	l := m.NewLearner()
	p := l.Predict(attempt("A", false, 0, "s"))
	if math.Abs(p.Independent-sigmoid(0.1+0.5+0.2)) > 1e-12 || math.Abs(p.Supported-sigmoid(-0.4+1.5)) > 1e-12 {
		t.Errorf("first attempt: %+v", p)
	}
	l.Observe(attempt("A", false, 2, "s"))
	if p := l.Predict(attempt("B", false, 0, "s")); math.Abs(p.Supported-sigmoid(-0.4+0.5*math.Log(3))) > 1e-12 {
		t.Errorf("after two hints, unseen item: supported %v", p.Supported)
	}
	b, err := m.MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Family{Support: true, Stage2: true}.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	a := attempt("A", true, 1, "s")
	if got, want := back.NewLearner().Predict(a), m.NewLearner().Predict(a); got != want {
		t.Errorf("round trip: %+v, want %+v", got, want)
	}
	if _, err := (Family{Support: true, Stage2: true}).Unmarshal([]byte(strings.Replace(handParams, `"bestlr+support"`, `"bestlr+stage2"`, 1))); err == nil {
		t.Error("bestlr+stage2 accepted params without a second stage")
	}
}

// TestStage2LearnsSupport: learners whose success with support differs
// from their success alone (here: support always works on item "s1", never
// on "s0", at equal success alone) are told apart by the second stage, not
// by the first.
func TestStage2LearnsSupport(t *testing.T) {
	log := datasets.NewLog()
	for u := 0; u < 60; u++ {
		for k := 0; k < 20; k++ {
			item := "s" + strconv.Itoa(k%2)
			a := attempt(item, (u+k)%3 == 0, 0, "s")
			a.Supported = a.Independent || item == "s1"
			a.Learner, a.Seq = strconv.Itoa(u), int64(k)
			log.Append(a)
		}
	}
	m, err := Family{Support: true, Stage2: true}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"c": 1.0}})
	if err != nil {
		t.Fatal(err)
	}
	l := m.NewLearner()
	p0, p1 := l.Predict(attempt("s0", false, 0, "s")), l.Predict(attempt("s1", false, 0, "s"))
	if !(p1.Supported > 0.8 && p0.Supported < 0.2) {
		t.Errorf("P(supported): item s0 %.3f, item s1 %.3f; want low and high", p0.Supported, p1.Supported)
	}
	if math.Abs(p0.Independent-p1.Independent) > 0.1 {
		t.Errorf("P(alone) should not tell the items apart: %.3f vs %.3f", p0.Independent, p1.Independent)
	}
}
