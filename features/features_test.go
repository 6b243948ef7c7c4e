package features

import (
	"math"
	"slices"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

// testIndex: items q0 (skills a, b), q1 (no skills); skills a, b.
func testIndex() *Index {
	return NewIndex([]string{"q0", "q1"}, []string{"a", "b"}, []int32{0, 2, 2}, []int32{0, 1})
}

func TestAttemptSkills(t *testing.T) {
	ix := testIndex()
	tests := []struct {
		name   string
		item   int32
		skills []int32
		want   []int32
	}{
		{"listed skills win", 0, []int32{1}, []int32{1}},
		{"none listed: the item's", 0, nil, []int32{0, 1}},
		{"item without skills", 1, nil, nil},
		{"unknown item, none listed", NoItem, nil, nil},
		{"unknown item, listed", NoItem, []int32{0}, []int32{0}},
	}
	for _, tt := range tests {
		if got := ix.AttemptSkills(tt.item, tt.skills); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestResolveStringAndBytes(t *testing.T) {
	ix := testIndex()
	var hs, hb History
	AddAttempt(&hs, ix, "q0", []string{"nope", "b"}, IndependentSuccess)
	AddAttempt(&hb, ix, []byte("q0"), [][]byte{[]byte("nope"), []byte("b")}, IndependentSuccess)
	AddAttempt(&hs, ix, "zz", nil, Failed)
	AddAttempt(&hb, ix, []byte("zz"), nil, Failed)
	if !slices.Equal(hs.Steps, hb.Steps) || !slices.Equal(hs.Skills, hb.Skills) {
		t.Fatalf("string %+v, bytes %+v", hs, hb)
	}
	want := []Step{{Item: 0, SkillStart: 0, SkillEnd: 1, Outcome: IndependentSuccess}, {Item: NoItem, SkillStart: 1, SkillEnd: 1, Outcome: Failed}}
	if !slices.Equal(hs.Steps, want) || !slices.Equal(hs.Skills, []int32{1}) {
		t.Errorf("history %+v", hs)
	}
	item, skills := []byte("q0"), [][]byte{[]byte("a"), []byte("b")}
	if n := testing.AllocsPerRun(100, func() {
		hb.Reset()
		AddAttempt(&hb, ix, item, skills, Failed)
	}); n != 0 {
		t.Errorf("AddAttempt with byte ids allocates %v times", n)
	}
}

func TestTally(t *testing.T) {
	var tl Tally
	for _, o := range []Outcome{IndependentSuccess, SupportedSuccess, Failed, IndependentSuccess, IndependentSuccess} {
		tl.Add(o, 1, 0.5)
	}
	if tl.N != [3]uint32{1, 1, 3} || tl.Attempts() != 5 || tl.Successes() != 3 || tl.Failures() != 2 {
		t.Errorf("counts %+v", tl)
	}
	// Newest first: I(1), I(.5), F(.25), S(.125), I(.0625).
	if want := [3]float64{0.25, 0.125, 1.5625}; tl.Recent != want {
		t.Errorf("recent %v, want %v", tl.Recent, want)
	}
	if tl.Streak != 2 || tl.Hints != 5 || tl.Hinted != 5 {
		t.Errorf("streak %d hints %v hinted %d", tl.Streak, tl.Hints, tl.Hinted)
	}
}

func TestPracticeAndScale(t *testing.T) {
	p := NewPractice(3, 0.5)
	p.Add([]int32{0, 2}, Failed)
	p.Add([]int32{0}, IndependentSuccess)
	lg, lin := NewScale(Log1p, true), NewScale(Linear, false)
	if got, want := lg.Vector(p.Skill(0)), (Vector{math.Log(2), 0, math.Log(2), 0.5, 0, 1}); got != want {
		t.Errorf("log1p vector %v, want %v", got, want)
	}
	if got, want := lin.Vector(p.Skill(0)), (Vector{1, 0, 1, 0, 0, 0}); got != want {
		t.Errorf("linear vector without recency %v, want %v", got, want)
	}
	if lg.Of(1000) != math.Log1p(1000) || lg.Of(3) != math.Log1p(3) {
		t.Error("Scale.Of disagrees with log1p")
	}
	p.Reset()
	for k := range int32(3) {
		if !p.Skill(k).Empty() {
			t.Errorf("skill %d not empty after Reset", k)
		}
	}
}

func TestByID(t *testing.T) {
	b := NewByID()
	b.Observe(&datasets.Attempt{Item: "q", Skills: []string{"a", "a", "b"}, Independent: true, Supported: true, HintsUsed: 0})
	b.Observe(&datasets.Attempt{Item: "q", Skills: []string{"a"}, HintsUsed: 2})
	if a := b.Skills["a"]; a.Attempts() != 2 || a.Successes() != 1 {
		t.Errorf("skill a counted %+v (a listed twice counts once)", a)
	}
	if b.All.Attempts() != 2 || b.All.Hints != 2 || b.All.Hinted != 1 || b.Items["q"].Failures() != 1 {
		t.Errorf("all %+v items %+v", b.All, b.Items)
	}
}

func TestPlace(t *testing.T) {
	tests := []struct {
		item    int32
		hasDiff bool
		skills  []int32
		want    Source
		ok      bool
	}{
		{0, true, []int32{1}, FromModel, true},
		{NoItem, true, []int32{1}, FromDifficulty, true},
		{NoItem, false, []int32{1}, FromSkills, true},
		{NoItem, false, nil, FromModel, false},
	}
	for _, tt := range tests {
		src, ok := Place(tt.item, tt.hasDiff, tt.skills)
		if src != tt.want || ok != tt.ok {
			t.Errorf("Place(%d, %v, %v) = %v, %v; want %v, %v", tt.item, tt.hasDiff, tt.skills, src, ok, tt.want, tt.ok)
		}
	}
}

func TestItemSkillSetsSkipsRowsWithoutSkills(t *testing.T) {
	log := datasets.NewLog()
	log.Append(&datasets.Attempt{Learner: "u", Item: "q", Seq: 1})
	log.Append(&datasets.Attempt{Learner: "u", Item: "q", Skills: []string{"s"}, Seq: 2})
	log.Append(&datasets.Attempt{Learner: "u", Item: "r", Seq: 3})
	ix := LogIndex(log)
	if got := ix.ItemSkills(ix.Item("q")); len(got) != 1 || log.SkillIDs.ID(got[0]) != "s" {
		t.Errorf("q's skills %v, want [s]", got)
	}
	if got := ix.ItemSkills(ix.Item("r")); len(got) != 0 {
		t.Errorf("r's skills %v, want none", got)
	}
	var h History
	NewLogResolver(ix, log).History(&h, log.Histories()[0])
	if got := ix.AttemptSkills(h.Steps[0].Item, h.StepSkills(0)); len(got) != 1 {
		t.Errorf("first attempt (no skills listed) resolves to %v, want q's skill", got)
	}
}
