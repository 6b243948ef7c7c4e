package serve

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// TestScorePolicyMatchesPathway checks options.policy against the pathway
// package called directly on the same history: the learner's attempts
// replayed, the Scorer's posterior and readiness, pathway.SeedFor. The
// recommendations must be the same, item for item.
func TestScorePolicyMatchesPathway(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	for _, name := range pathway.Names() {
		for _, u := range []int{0, 7, 42} {
			wl := f.wireLearnerFor(u, 12, 1)
			var body map[string]any
			if err := json.Unmarshal(mustJSON(t, wl), &body); err != nil {
				t.Fatal(err)
			}
			body["options"] = map[string]any{"recommendations": 5, "policy": name}
			rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, body))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s learner %d: status %d: %s", name, u, rec.Code, rec.Body)
			}
			got := decodeJSON(t, rec.Body.Bytes())["recommendations"].([]any)

			var h elasticity.History
			for _, a := range f.learnerAttempts(u) {
				h.AddAttempt(f.model.Index(), &a)
			}
			sc := elasticity.NewScorer(f.model)
			post := sc.Score(&h)
			var cands []pathway.Candidate
			for _, c := range wl.Candidates {
				cand := pathway.Place(f.model, f.model.ItemIndex(c.ItemID), nil)
				cand.Readiness = sc.Readiness(cand.Item, nil)
				cands = append(cands, cand)
			}
			p, err := pathway.New(name, pathway.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			want := pathway.Replay(p, f.model, &h).Next(nil, &pathway.View{Model: f.model, Posterior: post,
				Candidates: cands, Count: 5, Seed: pathway.SeedFor(wl.LearnerID, h.Len())})
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%s learner %d: %d recommendations, want %d", name, u, len(got), len(want))
			}
			for i, r := range want {
				g := got[i].(map[string]any)
				if g["item_id"] != wl.Candidates[r.Candidate].ItemID || g["kind"] != r.Kind.String() ||
					g["reason"] != r.Reason || g["position"] != float64(r.Position) {
					t.Errorf("%s learner %d recommendation %d = %v, want %+v (%s)", name, u, i, g, r, wl.Candidates[r.Candidate].ItemID)
				}
			}
		}
	}
}

func TestScoreUnknownPolicy(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	wl := f.wireLearnerFor(0, 3, 1)
	var body map[string]any
	if err := json.Unmarshal(mustJSON(t, wl), &body); err != nil {
		t.Fatal(err)
	}
	body["options"] = map[string]any{"policy": "bloom"}
	rec := call(s.Handler(), http.MethodPost, "/v1/score", testAPIKey, mustJSON(t, body))
	if rec.Code != http.StatusUnprocessableEntity || decodeJSON(t, rec.Body.Bytes())["field"] != "options.policy" {
		t.Fatalf("status %d: %s, want 422 naming options.policy", rec.Code, rec.Body)
	}
}
