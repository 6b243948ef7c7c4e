package serve

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// TestScoreMatchesScorer checks /v1/score against the model's own API: the
// history built with History.AddAttempt from the log's attempts, scored by
// a Scorer, with readiness from Scorer.Readiness and recommendations from
// the default policy, zpd-pod, replayed on the history.
func TestScoreMatchesScorer(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	for _, u := range []int{0, 7, 42} {
		wl := f.wireLearnerFor(u, 12, 1)
		wl.Options = map[string]int{"recommendations": 6}
		rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
		if rec.Code != http.StatusOK {
			t.Fatalf("learner %d: status %d: %s", u, rec.Code, rec.Body)
		}
		got := decodeJSON(t, rec.Body.Bytes())

		var h elasticity.History
		for _, a := range f.learnerAttempts(u) {
			h.AddAttempt(f.model.Index(), &a)
		}
		sc := elasticity.NewScorer(f.model)
		post := sc.Score(&h)
		for path, want := range map[string]float64{
			"attempts":                  float64(len(wl.Attempts)),
			"ability.value":             post.Ability.Value,
			"ability.sd":                post.Ability.SD,
			"elasticity.value":          post.Elasticity.Value,
			"elasticity.sd":             post.Elasticity.SD,
			"zad_edge.value":            post.ZADEdge.Value,
			"point_of_difficulty.value": post.PointOfDifficulty.Value,
			"point_of_difficulty.sd":    post.PointOfDifficulty.SD,
			"zpd.low":                   post.ZPD.Low,
			"zpd.high":                  post.ZPD.High,
			"zpd_width.value":           post.ZPDWidth.Value,
			"cov.0.1":                   post.Cov[0][1],
			"p_support_helps":           post.PSupportHelps,
		} {
			if g := num(t, got, path); !approx(g, want) {
				t.Errorf("learner %d: %s = %v, want %v", u, path, g, want)
			}
		}
		if got["model_version"] != f.meta.ModelVersion || got["learner_id"] != wl.LearnerID {
			t.Errorf("learner %d: model_version %v learner_id %v", u, got["model_version"], got["learner_id"])
		}

		var cands []pathway.Candidate
		for i, c := range wl.Candidates {
			r := sc.Readiness(f.model.ItemIndex(c.ItemID), nil)
			cand := pathway.Place(f.model, f.model.ItemIndex(c.ItemID), nil)
			cand.Readiness = r
			cands = append(cands, cand)
			p := "readiness." + strconv.Itoa(i)
			if !approx(num(t, got, p+".p_independent"), r.Independent.Value) ||
				!approx(num(t, got, p+".p_supported"), r.Supported.Value) ||
				!approx(num(t, got, p+".p_independent_sd"), r.Independent.SD) ||
				!approx(num(t, got, p+".p_supported_sd"), r.Supported.SD) ||
				!approx(num(t, got, p+".p_mastered"), r.PMastered) ||
				!approx(num(t, got, p+".p_reach"), r.PReach) ||
				!approx(num(t, got, p+".difficulty"), r.Difficulty) {
				t.Errorf("learner %d candidate %d: %v, want %+v", u, i, got["readiness"].([]any)[i], r)
			}
			if z := got["readiness"].([]any)[i].(map[string]any)["zone"]; z != r.Zone.String() {
				t.Errorf("learner %d candidate %d: zone %v, want %v", u, i, z, r.Zone)
			}
		}
		pod, err := pathway.New(pathway.ZPDPoDName, pathway.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		recs := pathway.Replay(pod, f.model, &h).Next(nil, &pathway.View{Model: f.model, Posterior: post,
			Candidates: cands, Count: 6, Seed: pathway.SeedFor(wl.LearnerID, h.Len())})
		gotRecs := got["recommendations"].([]any)
		if len(gotRecs) != len(recs) {
			t.Fatalf("learner %d: %d recommendations, want %d", u, len(gotRecs), len(recs))
		}
		for i, r := range recs {
			g := gotRecs[i].(map[string]any)
			if g["item_id"] != wl.Candidates[r.Candidate].ItemID || g["kind"] != r.Kind.String() ||
				g["reason"] != r.Reason || g["position"] != float64(h.Len()+i+1) {
				t.Errorf("learner %d recommendation %d = %v, want %+v (%s)", u, i, g, r, wl.Candidates[r.Candidate].ItemID)
			}
		}
	}
}

// TestScoreNoBandWithoutElasticity: a learner whom support does not help
// (posterior mean ε ≤ 0) is served no ZPD band, and one it helps is.
func TestScoreNoBandWithoutElasticity(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	base := f.learnerAttempts(0)
	tests := []struct {
		name    string
		outcome func(a *wireAttempt)
		helps   bool
	}{
		// Half the attempts succeed alone; of the rest, none (or all)
		// succeed with support.
		{"support never helps", func(a *wireAttempt) {
			a.CorrectIndependent = a.Seq%2 == 0
			a.CorrectSupported = a.CorrectIndependent
		}, false},
		{"support always helps", func(a *wireAttempt) {
			a.CorrectIndependent, a.CorrectSupported = a.Seq%2 == 0, true
		}, true},
	}
	for _, tt := range tests {
		wl := wireLearner{LearnerID: "l"}
		for i := range 10 {
			for _, a := range base {
				w := toWire(a)
				w.Seq += int64(i * 100000)
				tt.outcome(&w)
				wl.Attempts = append(wl.Attempts, w)
			}
		}
		rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tt.name, rec.Code, rec.Body)
		}
		got := decodeJSON(t, rec.Body.Bytes())
		eps := num(t, got, "elasticity.value")
		if (eps > 0) != tt.helps {
			t.Fatalf("%s: fixture gives elasticity %v after %d attempts", tt.name, eps, len(wl.Attempts))
		}
		if band, ok := got["zpd"]; !ok || (band == nil) == tt.helps {
			t.Errorf("%s: elasticity %v, zpd %v", tt.name, eps, band)
		}
		if p := num(t, got, "p_support_helps"); (p > 0.5) != tt.helps {
			t.Errorf("%s: elasticity %v, p_support_helps %v", tt.name, eps, p)
		}
	}
}

// TestScoreUnknownItems covers candidates the model does not know: placed
// by a platform difficulty, by their skills, or rejected.
func TestScoreUnknownItems(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	skill := f.model.Params().Skills[0]
	diff := 0.25
	wl := f.wireLearnerFor(3, 0, 1)
	wl.Candidates = []wireCandidate{
		{ItemID: "new-by-difficulty", Difficulty: &diff},
		{ItemID: "new-by-skill", SkillIDs: []string{skill, "unknown-skill"}},
	}
	rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decodeJSON(t, rec.Body.Bytes())
	var h elasticity.History
	for _, a := range f.learnerAttempts(3) {
		h.AddAttempt(f.model.Index(), &a)
	}
	sc := elasticity.NewScorer(f.model)
	post := sc.Score(&h)
	byDiff := post.ReadinessAt(diff, f.model.ZoneRule())
	bySkill := sc.Readiness(elasticity.NoItem, []int32{f.model.SkillIndex(skill)})
	for i, want := range []elasticity.Readiness{byDiff, bySkill} {
		p := "readiness." + strconv.Itoa(i)
		if !approx(num(t, got, p+".p_supported"), want.Supported.Value) || !approx(num(t, got, p+".difficulty"), want.Difficulty) {
			t.Errorf("candidate %d: %v, want %+v", i, got["readiness"].([]any)[i], want)
		}
	}
	ready := got["readiness"].([]any)
	if ready[0].(map[string]any)["source"] != "difficulty" || ready[1].(map[string]any)["source"] != "skills" {
		t.Errorf("sources: %v", ready)
	}

	wl.Candidates = append(wl.Candidates, wireCandidate{ItemID: "nothing-known", SkillIDs: []string{"unknown-skill"}})
	rec = call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
	assertError(t, rec, http.StatusUnprocessableEntity, codeInvalid, "candidates[2].item_id")
}

// TestScoreEmptyHistoryIsPrior: a learner with no attempts gets the
// population prior.
func TestScoreEmptyHistoryIsPrior(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, []byte(`{"learner_id":"new","attempts":[]}`))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decodeJSON(t, rec.Body.Bytes())
	p := f.model.Params()
	if !approx(num(t, got, "ability.value"), p.Mean[0]) || !approx(num(t, got, "elasticity.value"), p.Mean[1]) {
		t.Errorf("empty history: ability %v elasticity %v, want prior mean %v", got["ability"], got["elasticity"], p.Mean)
	}
	if len(got["recommendations"].([]any)) != 0 || len(got["readiness"].([]any)) != 0 {
		t.Errorf("no candidates, yet %v %v", got["readiness"], got["recommendations"])
	}
}

// TestBatchEqualsSingles: every result of /v1/score/batch is the /v1/score
// answer for that learner, for a small batch (one goroutine) and one large
// enough to be split across goroutines; batch-level options apply to
// learners without their own.
func TestBatchEqualsSingles(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	for _, n := range []int{3, 3*batchChunk + 5} {
		var learners []wireLearner
		for i := range n {
			wl := f.wireLearnerFor(i%f.log.Learners.Len(), 1+i%7, uint64(n))
			wl.LearnerID = "b" + strconv.Itoa(i)
			if i%3 == 0 {
				wl.Options = map[string]int{"recommendations": i % 4}
			}
			learners = append(learners, wl)
		}
		body := mustJSON(t, map[string]any{"learners": learners, "options": map[string]int{"recommendations": 2}})
		rec := call(s.Handler(), http.MethodPost, "/v1/score/batch", testAPIKey, body)
		if rec.Code != http.StatusOK {
			t.Fatalf("batch of %d: status %d: %s", n, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 500)])
		}
		got := decodeJSON(t, rec.Body.Bytes())
		results := got["results"].([]any)
		if len(results) != n || got["model_version"] != f.meta.ModelVersion {
			t.Fatalf("batch of %d: %d results, version %v", n, len(results), got["model_version"])
		}
		for i, wl := range learners {
			if wl.Options == nil {
				wl.Options = map[string]int{}
			}
			if _, ok := wl.Options["recommendations"]; !ok {
				wl.Options["recommendations"] = 2
			}
			one := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
			want := decodeJSON(t, one.Body.Bytes())
			if !reflect.DeepEqual(results[i], any(want)) {
				a, _ := json.Marshal(results[i])
				t.Fatalf("batch of %d, learner %d:\nbatch  %s\nsingle %s", n, i, a, one.Body)
			}
		}
	}
}

// TestBatchErrorNamesLearner: a bad learner fails the batch, naming it.
func TestBatchErrorNamesLearner(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	var learners []wireLearner
	for i := range 2*batchChunk + 3 {
		learners = append(learners, f.wireLearnerFor(i%20, 2, 1))
	}
	learners[batchChunk+1].Candidates = append(learners[batchChunk+1].Candidates, wireCandidate{ItemID: "no-such-item"})
	learners[2*batchChunk+2].Candidates = append(learners[2*batchChunk+2].Candidates, wireCandidate{ItemID: "no-such-item"})
	rec := call(s.Handler(), http.MethodPost, "/v1/score/batch", testAPIKey, mustJSON(t, map[string]any{"learners": learners}))
	assertError(t, rec, http.StatusUnprocessableEntity, codeInvalid, "learners["+strconv.Itoa(batchChunk+1)+"].candidates[2].item_id")
}

// assertError checks an error answer's status, code and field.
func assertError(t testing.TB, rec interface {
	Result() *http.Response
}, status int, code, field string) {
	t.Helper()
	res := rec.Result()
	var e struct {
		Code, Message, Field string
	}
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatalf("status %d: error body is not JSON: %v", res.StatusCode, err)
	}
	if res.StatusCode != status || e.Code != code || e.Field != field || e.Message == "" {
		t.Errorf("got %d %+v, want %d code %q field %q", res.StatusCode, e, status, code, field)
	}
	if ct := res.Header.Get("Content-Type"); ct != jsonContentType {
		t.Errorf("error Content-Type %q", ct)
	}
}

// TestScoreCountsUnknownAttempts: attempts at items the model does not
// know are counted in the response, with their distinct items, so a client
// sending another catalogue's ids sees it.
func TestScoreCountsUnknownAttempts(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	known := f.wireLearnerFor(3, 0, 1)
	tests := []struct {
		name          string
		extra         []string // unknown item ids appended as attempts
		attempts, ids int
	}{
		{"all known", nil, 0, 0},
		{"three attempts at two unknown items", []string{"other-b", "other-a", "other-b"}, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl := known
			wl.Attempts = append([]wireAttempt(nil), known.Attempts...)
			for i, id := range tt.extra {
				wl.Attempts = append(wl.Attempts, wireAttempt{ItemID: id, Seq: int64(1000 + i), CorrectSupported: true})
			}
			rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, wl))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decodeJSON(t, rec.Body.Bytes())
			if num(t, got, "unknown_attempts") != float64(tt.attempts) || num(t, got, "unknown_items") != float64(tt.ids) {
				t.Errorf("unknown_attempts %v unknown_items %v, want %d and %d", got["unknown_attempts"], got["unknown_items"], tt.attempts, tt.ids)
			}
			if num(t, got, "attempts") != float64(len(wl.Attempts)) {
				t.Errorf("attempts %v, want %d", got["attempts"], len(wl.Attempts))
			}
		})
	}
}
