package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zpd-project/zpd/store"
	"github.com/zpd-project/zpd/store/storetest"
)

// storedServer serves the fixture's model with the store dsn names.
func storedServer(t *testing.T, dsn string) (*Server, http.Handler) {
	t.Helper()
	cfg := testConfig(copyArtifact(t, fitted(t).dir))
	cfg.Store = dsn
	s := newTestServer(t, cfg)
	t.Cleanup(func() { s.Close() })
	return s, s.Handler()
}

// bareAttempt is an attempt with no seq: the server numbers it.
type bareAttempt struct {
	EventID            string `json:"event_id"`
	ItemID             string `json:"item_id"`
	CorrectIndependent bool   `json:"correct_independent"`
	CorrectSupported   bool   `json:"correct_supported"`
}

// storedAttempt is a wire attempt with its event id.
type storedAttempt struct {
	EventID string `json:"event_id"`
	wireAttempt
}

func TestLearnerRoutesNeedAStore(t *testing.T) {
	h := newTestServer(t, testConfig(fitted(t).dir)).Handler()
	for _, r := range []struct{ method, path string }{
		{"POST", "/v1/learners/u1/attempts"}, {"GET", "/v1/learners/u1"}, {"POST", "/v1/learners/u1/score"},
		{"DELETE", "/v1/learners/u1"}, {"GET", "/v1/learners/u1/export"},
	} {
		var body []byte
		if r.method == "POST" {
			body = []byte(`{}`)
		}
		rec := call(h, r.method, r.path, testAPIKey, body)
		assertError(t, rec, http.StatusNotFound, codeNotFound, "")
		if !bytes.Contains(rec.Body.Bytes(), []byte("--store")) {
			t.Errorf("%s %s: %s does not say how to configure a store", r.method, r.path, rec.Body)
		}
		assertError(t, call(h, r.method, r.path, "", body), http.StatusUnauthorized, codeUnauthorized, "")
	}
}

// TestStoredScoreEqualsStateless posts each learner's attempts one at a
// time and checks every answer, byte for byte, against /v1/score on the
// same attempts. Once the server has stored an attempt as the answer to a
// mastery check it recommended (the learner happened to attempt it), the
// default policy, zpd-pod, replays that mark and its recommendations may
// differ from the stateless route's, which has no marks: from then on the
// recommendations are left out of the comparison for it (zpdes reads no
// marks).
func TestStoredScoreEqualsStateless(t *testing.T) {
	f := fitted(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h := storedServer(t, dsn)
		for _, policy := range []string{"", "zpdes"} {
			for u := range 3 {
				wl := f.wireLearnerFor(u, 12, 7)
				id := "eq-" + policy + "-" + strconv.Itoa(u)
				opts := map[string]any{"recommendations": 3}
				if policy != "" {
					opts["policy"] = policy
				}
				for i, a := range wl.Attempts {
					post := map[string]any{"attempts": []storedAttempt{{fmt.Sprint("ev-", i), a}},
						"candidates": wl.Candidates, "options": opts}
					got := call(h, "POST", "/v1/learners/"+id+"/attempts", testAPIKey, mustJSON(t, post))
					if got.Code != 200 || got.Header().Get("Zpd-Attempts-Added") != "1" {
						t.Fatalf("%s attempt %d: %d %s", id, i, got.Code, got.Body)
					}
					sopts := map[string]any{"recommendations": 3}
					if policy != "" {
						sopts["policy"] = policy
					}
					want := call(h, "POST", "/v1/score", testAPIKey, mustJSON(t, map[string]any{
						"learner_id": id, "attempts": wl.Attempts[:i+1], "candidates": wl.Candidates, "options": sopts}))
					g, w := got.Body.Bytes(), want.Body.Bytes()
					if policy == "" && marked(t, h, id) {
						g, _, _ = bytes.Cut(g, []byte(`,"recommendations":`))
						w, _, _ = bytes.Cut(w, []byte(`,"recommendations":`))
					}
					if !bytes.Equal(g, w) {
						t.Fatalf("%s after %d attempts: stored\n%s\nstateless\n%s", id, i+1, got.Body, want.Body)
					}
				}
				// GET: the same history, no candidates.
				got := call(h, "GET", "/v1/learners/"+id, testAPIKey, nil)
				want := call(h, "POST", "/v1/score", testAPIKey, mustJSON(t, map[string]any{"learner_id": id, "attempts": wl.Attempts}))
				if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
					t.Fatalf("GET %s: %d\n%s\nstateless\n%s", id, got.Code, got.Body, want.Body)
				}
			}
		}
	})
}

// marked reports whether any stored attempt of learner id is marked as
// the answer to a mastery check.
func marked(t *testing.T, h http.Handler, id string) bool {
	t.Helper()
	var exp struct {
		Attempts []struct {
			Check bool `json:"mastery_check"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(call(h, "GET", "/v1/learners/"+id+"/export", testAPIKey, nil).Body.Bytes(), &exp); err != nil {
		t.Fatal(err)
	}
	for _, a := range exp.Attempts {
		if a.Check {
			return true
		}
	}
	return false
}

func TestLearnerAttemptsIdempotentAndOrdered(t *testing.T) {
	f := fitted(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h := storedServer(t, dsn)
		wl := f.wireLearnerFor(4, 5, 1)
		a0, a1 := wl.Attempts[0], wl.Attempts[1]
		a0.Seq, a1.Seq = 10, 11
		body := mustJSON(t, map[string]any{"attempts": []storedAttempt{{"e0", a0}, {"e1", a1}}, "candidates": wl.Candidates})
		first := call(h, "POST", "/v1/learners/L/attempts", testAPIKey, body)
		if first.Code != 200 || first.Header().Get("Zpd-Attempts-Added") != "2" {
			t.Fatalf("first post: %d %s", first.Code, first.Body)
		}
		retry := call(h, "POST", "/v1/learners/L/attempts", testAPIKey, body)
		if retry.Code != 200 || retry.Header().Get("Zpd-Attempts-Added") != "0" || !bytes.Equal(retry.Body.Bytes(), first.Body.Bytes()) {
			t.Fatalf("retry: %d added %s\n%s\nfirst\n%s", retry.Code, retry.Header().Get("Zpd-Attempts-Added"), retry.Body, first.Body)
		}
		other := a0
		other.CorrectIndependent = !other.CorrectIndependent
		late := a1
		late.Seq = 11
		for _, tc := range []struct {
			name  string
			body  any
			code  int
			field string
		}{
			{"event id reused", map[string]any{"attempts": []storedAttempt{{"e0", other}}}, 409, "attempts[0].event_id"},
			{"seq not after the newest", map[string]any{"attempts": []storedAttempt{{"e2", late}}}, 409, "attempts[0].seq"},
			{"no event id", map[string]any{"attempts": []wireAttempt{a1}}, 422, "attempts[0].event_id"},
			{"no attempts", map[string]any{"attempts": []storedAttempt{}}, 422, "attempts"},
			{"another learner", map[string]any{"learner_id": "M", "attempts": []storedAttempt{{"e3", a1}}}, 422, "learner_id"},
			{"bad timestamp", map[string]any{"attempts": []map[string]any{{"event_id": "e4", "item_id": "x", "correct_independent": true, "correct_supported": true, "timestamp": "yesterday"}}}, 422, "attempts[0].timestamp"},
		} {
			rec := call(h, "POST", "/v1/learners/L/attempts", testAPIKey, mustJSON(t, tc.body))
			code := codeInvalid
			if tc.code == 409 {
				code = codeConflict
			}
			assertError(t, rec, tc.code, code, tc.field)
		}
		// /score takes no attempts.
		assertError(t, call(h, "POST", "/v1/learners/L/score", testAPIKey, body), 422, codeInvalid, "attempts")
		var exp struct {
			Attempts []struct {
				EventID string `json:"event_id"`
				Seq     int64  `json:"seq"`
			} `json:"attempts"`
		}
		if err := json.Unmarshal(call(h, "GET", "/v1/learners/L/export", testAPIKey, nil).Body.Bytes(), &exp); err != nil {
			t.Fatal(err)
		}
		if len(exp.Attempts) != 2 || exp.Attempts[0].EventID != "e0" || exp.Attempts[1].Seq != 11 {
			t.Fatalf("stored after the refused posts: %+v", exp.Attempts)
		}
	})
}

// TestMasteryCheckStateKeptServerSide: the server remembers the mastery
// checks the default policy (zpd-pod) recommended, marks the attempt that
// answers one, and replays the marks: a failed check is followed by
// zpd-pod's step back, which a history without marks would not give.
func TestMasteryCheckStateKeptServerSide(t *testing.T) {
	f := fitted(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h := storedServer(t, dsn)
		wl := f.wireLearnerFor(5, 20, 3)
		opts := map[string]int{"recommendations": 1}
		var next struct {
			Recommendations []struct {
				Position int    `json:"position"`
				ItemID   string `json:"item_id"`
				Kind     string `json:"kind"`
			} `json:"recommendations"`
		}
		rec := call(h, "POST", "/v1/learners/P/score", testAPIKey, mustJSON(t, map[string]any{"candidates": wl.Candidates, "options": opts}))
		if rec.Code != 200 {
			t.Fatalf("score: %d %s", rec.Code, rec.Body)
		}
		json.Unmarshal(rec.Body.Bytes(), &next)
		// Each time the platform gives the first recommendation, the
		// learner attempts it, failing every check alone, and the platform
		// posts the outcome.
		const steps = 12
		var kinds []string
		for i := range steps {
			if len(next.Recommendations) == 0 {
				t.Fatalf("no recommendation after %d attempts", i)
			}
			r := next.Recommendations[0]
			if r.Position != i+1 {
				t.Fatalf("recommendation %d: %+v; want position %d", i, r, i+1)
			}
			if i > 0 && kinds[i-1] == "mastery_check" && r.Kind != "step_back" {
				t.Fatalf("recommendation %d after a failed check: %+v, want a step back", i, r)
			}
			kinds = append(kinds, r.Kind)
			check := r.Kind == "mastery_check"
			a := bareAttempt{fmt.Sprint("p", i), r.ItemID, !check && i%3 == 0, true}
			rec := call(h, "POST", "/v1/learners/P/attempts", testAPIKey,
				mustJSON(t, map[string]any{"attempts": []bareAttempt{a}, "candidates": wl.Candidates, "options": opts}))
			if rec.Code != 200 {
				t.Fatalf("attempt %d: %d %s", i, rec.Code, rec.Body)
			}
			next.Recommendations = nil
			json.Unmarshal(rec.Body.Bytes(), &next)
		}
		var exp struct {
			State struct {
				Served int64    `json:"served"`
				Checks []string `json:"pending_mastery_checks"`
			} `json:"state"`
			Attempts []struct {
				ItemID string `json:"item_id"`
				Check  bool   `json:"mastery_check"`
			} `json:"attempts"`
		}
		json.Unmarshal(call(h, "GET", "/v1/learners/P/export", testAPIKey, nil).Body.Bytes(), &exp)
		if exp.State.Served != steps || len(exp.Attempts) != steps {
			t.Fatalf("state %+v with %d attempts", exp.State, len(exp.Attempts))
		}
		checks := 0
		for i, a := range exp.Attempts {
			if a.Check != (kinds[i] == "mastery_check") {
				t.Errorf("attempt %d (%s, recommended as %s): mastery_check %v", i, a.ItemID, kinds[i], a.Check)
			}
			if a.Check {
				checks++
			}
		}
		if checks == 0 {
			t.Errorf("no mastery check in %d recommendations %v: the test cannot see the marks", steps, kinds)
		}
	})
}

func TestLearnerExportDeleteAndSpec(t *testing.T) {
	f := fitted(t)
	sp := loadSpec(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h := storedServer(t, dsn)
		wl := f.wireLearnerFor(6, 4, 2)
		var atts []storedAttempt
		for i, a := range wl.Attempts[:5] {
			atts = append(atts, storedAttempt{fmt.Sprint("x", i), a})
		}
		body := mustJSON(t, map[string]any{"attempts": atts, "candidates": wl.Candidates})
		sp.checkRequest(t, "POST", "/v1/learners/{learner_id}/attempts", body)
		rec := call(h, "POST", "/v1/learners/who%20am%20i/attempts", testAPIKey, body)
		sp.checkResponse(t, "POST", "/v1/learners/{learner_id}/attempts", rec)
		if got := decodeJSON(t, rec.Body.Bytes())["learner_id"]; got != "who am i" {
			t.Errorf("learner_id %v", got)
		}
		sp.checkResponse(t, "POST", "/v1/learners/{learner_id}/attempts", call(h, "POST", "/v1/learners/who%20am%20i/attempts", testAPIKey, mustJSON(t, map[string]any{"attempts": []wireAttempt{wl.Attempts[0]}})))
		sp.checkResponse(t, "POST", "/v1/learners/{learner_id}/score", call(h, "POST", "/v1/learners/who%20am%20i/score", testAPIKey, mustJSON(t, map[string]any{"candidates": wl.Candidates})))
		sp.checkResponse(t, "GET", "/v1/learners/{learner_id}", call(h, "GET", "/v1/learners/who%20am%20i", testAPIKey, nil))
		exp := call(h, "GET", "/v1/learners/who%20am%20i/export", testAPIKey, nil)
		sp.checkResponse(t, "GET", "/v1/learners/{learner_id}/export", exp)
		var e struct {
			Attempts []map[string]any `json:"attempts"`
		}
		json.Unmarshal(exp.Body.Bytes(), &e)
		if len(e.Attempts) != 5 || e.Attempts[0]["item_id"] != wl.Attempts[0].ItemID || e.Attempts[0]["seq"] != float64(wl.Attempts[0].Seq) {
			t.Fatalf("export: %s", exp.Body)
		}
		if ts := wl.Attempts[0].Timestamp; ts != "" {
			posted, _ := time.Parse(time.RFC3339Nano, ts)
			got, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e.Attempts[0]["timestamp"]))
			if err != nil || !got.Equal(posted) {
				t.Errorf("timestamp %v, posted %s", e.Attempts[0]["timestamp"], ts)
			}
		}
		del := call(h, "DELETE", "/v1/learners/who%20am%20i", testAPIKey, nil)
		sp.checkResponse(t, "DELETE", "/v1/learners/{learner_id}", del)
		if d := decodeJSON(t, del.Body.Bytes()); d["deleted"] != true {
			t.Fatalf("delete: %s", del.Body)
		}
		for _, path := range []string{"/v1/learners/who%20am%20i", "/v1/learners/who%20am%20i/export"} {
			rec := call(h, "GET", path, testAPIKey, nil)
			sp.checkResponse(t, "GET", "/v1/learners/{learner_id}"+map[bool]string{true: "/export"}[path[len(path)-6:] == "export"], rec)
			assertError(t, rec, 404, codeNotFound, "")
		}
		if d := decodeJSON(t, call(h, "DELETE", "/v1/learners/who%20am%20i", testAPIKey, nil).Body.Bytes()); d["deleted"] != false {
			t.Fatalf("second delete: %v", d)
		}
	})
}

// TestConcurrentLearnerPosts posts one learner's attempts from many
// clients at once, each retrying another's: every attempt counts once.
func TestConcurrentLearnerPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h := storedServer(t, dsn)
		items := fitted(t).model.Params().Items
		const clients, each = 8, 12
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for i := range each {
					batch := []bareAttempt{{fmt.Sprintf("c%d-%d", c, i), items[i], i%2 == 0, true}}
					if i > 0 {
						o := (c + 1) % clients
						batch = append(batch, bareAttempt{fmt.Sprintf("c%d-%d", o, i-1), items[i-1], (i-1)%2 == 0, true})
					}
					rec := call(h, "POST", "/v1/learners/crowd/attempts", testAPIKey, mustJSON(t, map[string]any{"attempts": batch}))
					if rec.Code != 200 {
						t.Errorf("client %d post %d: %d %s", c, i, rec.Code, rec.Body)
						return
					}
				}
			})
		}
		wg.Wait()
		got := decodeJSON(t, call(h, "GET", "/v1/learners/crowd", testAPIKey, nil).Body.Bytes())
		if got["attempts"] != float64(clients*each) {
			t.Fatalf("%v attempts scored, want %d", got["attempts"], clients*each)
		}
	})
}

// TestReloadRescoresStoredAttempts: after a reload the stored learner is
// scored by the new model from its attempts, as /v1/score would be.
func TestReloadRescoresStoredAttempts(t *testing.T) {
	f := fitted(t)
	cfg := testConfig(copyArtifact(t, f.dir))
	cfg.Store = "sqlite:" + t.TempDir() + "/zpd.db"
	s := newTestServer(t, cfg)
	defer s.Close()
	h := s.Handler()
	wl := f.wireLearnerFor(7, 0, 1)
	var atts []storedAttempt
	for i, a := range wl.Attempts {
		atts = append(atts, storedAttempt{fmt.Sprint("r", i), a})
	}
	if rec := call(h, "POST", "/v1/learners/R/attempts", testAPIKey, mustJSON(t, map[string]any{"attempts": atts})); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	before := call(h, "GET", "/v1/learners/R", testAPIKey, nil).Body.String()
	alt := altArtifact(t, cfg.Model, "alt-store")
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := call(h, "GET", "/v1/learners/R", testAPIKey, nil)
	want := call(h, "POST", "/v1/score", testAPIKey, mustJSON(t, map[string]any{"learner_id": "R", "attempts": wl.Attempts}))
	if after.Body.String() != want.Body.String() || decodeJSON(t, after.Body.Bytes())["model_version"] != alt || after.Body.String() == before {
		t.Fatalf("after reload to %s:\n%s\nstateless\n%s\nbefore\n%s", alt, after.Body, want.Body, before)
	}
}

// unavailableStore is a store whose database is down.
type unavailableStore struct{ store.LearnerStore }

func (unavailableStore) Append(context.Context, string, []store.Attempt, store.Update) (*store.Learner, int, error) {
	return nil, 0, fmt.Errorf("%w: connection refused", store.ErrUnavailable)
}

func (unavailableStore) Learner(context.Context, string) (*store.Learner, error) {
	return nil, fmt.Errorf("%w: connection refused", store.ErrUnavailable)
}

func TestStoreUnavailableIs503(t *testing.T) {
	f := fitted(t)
	s, err := New(testConfig(f.dir), Options{Store: unavailableStore{}})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	sp := loadSpec(t)
	wl := f.wireLearnerFor(1, 2, 1)
	body := mustJSON(t, map[string]any{"attempts": []storedAttempt{{"e", wl.Attempts[0]}}})
	for _, r := range []struct{ method, path, tmpl string }{
		{"POST", "/v1/learners/u/attempts", "/v1/learners/{learner_id}/attempts"},
		{"GET", "/v1/learners/u", "/v1/learners/{learner_id}"},
	} {
		var b []byte
		if r.method == "POST" {
			b = body
		}
		rec := call(h, r.method, r.path, testAPIKey, b)
		assertError(t, rec, 503, codeStoreUnavailable, "")
		sp.checkResponse(t, r.method, r.tmpl, rec)
		if rec.Header().Get("Retry-After") != "1" {
			t.Errorf("%s %s: Retry-After %q", r.method, r.path, rec.Header().Get("Retry-After"))
		}
	}
}

// TestTwoReplicasScoreTheWholeHistory: two servers on one store, each
// keeping learner histories in memory, take turns posting one learner's
// attempts. Every answer equals /v1/score on the whole history, so neither
// scored on a history cached before the other's posts.
func TestTwoReplicasScoreTheWholeHistory(t *testing.T) {
	f := fitted(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		_, h1 := storedServer(t, dsn)
		_, h2 := storedServer(t, dsn)
		wl := f.wireLearnerFor(3, 10, 5)
		for i, a := range wl.Attempts {
			h := h1
			if i%3 == 2 { // h1 twice (cached), then h2 behind its back
				h = h2
			}
			post := map[string]any{"attempts": []storedAttempt{{fmt.Sprint("ev-", i), a}}, "candidates": wl.Candidates}
			got := call(h, "POST", "/v1/learners/rep/attempts", testAPIKey, mustJSON(t, post))
			want := call(h, "POST", "/v1/score", testAPIKey, mustJSON(t, map[string]any{
				"learner_id": "rep", "attempts": wl.Attempts[:i+1], "candidates": wl.Candidates}))
			g, w := got.Body.Bytes(), want.Body.Bytes()
			if marked(t, h1, "rep") { // see TestStoredScoreEqualsStateless
				g, _, _ = bytes.Cut(g, []byte(`,"recommendations":`))
				w, _, _ = bytes.Cut(w, []byte(`,"recommendations":`))
			}
			if got.Code != 200 || !bytes.Equal(g, w) {
				t.Fatalf("attempt %d: %d stored\n%s\nstateless\n%s", i, got.Code, got.Body, want.Body)
			}
		}
	})
}

// TestStoredHistoryCappedAtMaxAttempts: a post that would take a learner's
// stored attempts past max_attempts is 409 and stores nothing; retries
// and scoring still answer.
func TestStoredHistoryCappedAtMaxAttempts(t *testing.T) {
	f := fitted(t)
	cfg := testConfig(copyArtifact(t, f.dir))
	cfg.Store = "sqlite:" + t.TempDir() + "/zpd.db"
	cfg.MaxAttempts = 3
	s := newTestServer(t, cfg)
	defer s.Close()
	h := s.Handler()
	items := f.model.Params().Items
	post := func(evs ...string) *httptest.ResponseRecorder {
		var batch []bareAttempt
		for _, ev := range evs {
			batch = append(batch, bareAttempt{ev, items[len(batch)], true, true})
		}
		return call(h, "POST", "/v1/learners/capped/attempts", testAPIKey, mustJSON(t, map[string]any{"attempts": batch}))
	}
	if rec := post("a", "b"); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	rec := post("c", "d")
	assertError(t, rec, http.StatusConflict, codeConflict, "attempts")
	if !bytes.Contains(rec.Body.Bytes(), []byte("max_attempts (3)")) {
		t.Errorf("the 409 does not name the limit: %s", rec.Body)
	}
	if rec := post("a"); rec.Code != 200 || rec.Header().Get("Zpd-Attempts-Added") != "0" {
		t.Fatalf("a retry at the cap: %d %s", rec.Code, rec.Body)
	}
	if rec := post("c"); rec.Code != 200 || rec.Header().Get("Zpd-Attempts-Added") != "1" {
		t.Fatalf("the third attempt: %d %s", rec.Code, rec.Body)
	}
	assertError(t, post("d"), http.StatusConflict, codeConflict, "attempts")
	if got := decodeJSON(t, call(h, "GET", "/v1/learners/capped", testAPIKey, nil).Body.Bytes()); got["attempts"] != float64(3) {
		t.Fatalf("%v attempts stored, want 3", got["attempts"])
	}
}
