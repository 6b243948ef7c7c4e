package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/batch"
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
	"github.com/zpd-project/zpd/serve"
)

// rec is one recommendation as every path reports it.
type rec struct {
	Position int64
	Item     string
	Kind     string
	Reason   string
}

// TestRecommendationsSameOnEveryPath recommends with every policy four
// ways — zpd score --recommend (batch), /v1/score/batch with
// options.policy (HTTP), the simulator's pathway.Session fed the learner's
// attempts one by one, and the pathway package replaying the learner's
// history — and requires the same recommendations, item for item. With no
// policy named, batch and HTTP both give zpd-pod's.
func TestRecommendationsSameOnEveryPath(t *testing.T) {
	dir := t.TempDir()
	cfg := simulate.DefaultConfig()
	cfg.Seed, cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts, cfg.Items, cfg.Skills = 22, 40, 5, 25, 60, 5
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := elasticity.Fit(context.Background(), log, elasticity.DefaultConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	modelDir := filepath.Join(dir, "model")
	if err := artifact.Save(modelDir, m, artifact.Metadata{}, "test\n"); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "attempts.parquet")
	w, err := datasets.Create(in, datasets.WriteOptions{Groups: log.GroupNames})
	if err != nil {
		t.Fatal(err)
	}
	for i := range log.Len() {
		a := log.At(i)
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var cands []string
	for j := 0; j < 60; j += 4 {
		cands = append(cands, m.Params().Items[j])
	}
	candFile := filepath.Join(dir, "items.txt")
	if err := os.WriteFile(candFile, []byte(strings.Join(cands, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []batch.Config{{Recommend: 3}, {Recommend: 3, Candidates: candFile, Policy: "bloom"}} {
		bad.Model, bad.In, bad.Out = modelDir, in, filepath.Join(dir, "bad")
		if _, err := batch.Run(context.Background(), bad, batch.Options{}); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	const n = 4
	for _, name := range append(pathway.Names(), "") {
		policy := name
		if name == "" {
			name, policy = "default", pathway.ZPDPoDName
		}
		t.Run(name, func(t *testing.T) {
			named := policy // the policy batch and HTTP are asked for
			if name == "default" {
				named = ""
			}
			out := filepath.Join(dir, "out-"+name)
			res, err := batch.Run(context.Background(), batch.Config{Model: modelDir, In: in, Out: out, Candidates: candFile,
				Recommend: n, Policy: named}, batch.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Manifest.RecommendationRows != int64(n*log.Learners.Len()) {
				t.Errorf("manifest: %d recommendation rows, want %d", res.Manifest.RecommendationRows, n*log.Learners.Len())
			}
			cols := readColumns(t, filepath.Join(out, batch.RecommendationsDir))
			fromBatch := map[string][]rec{}
			for i, id := range cols["learner_id"] {
				if cols["policy"][i] != policy {
					t.Fatalf("row %d: policy %v", i, cols["policy"][i])
				}
				fromBatch[id.(string)] = append(fromBatch[id.(string)], rec{cols["position"][i].(int64), cols["item_id"][i].(string),
					cols["kind"][i].(string), cols["reason"][i].(string)})
			}
			fromHTTP := httpRecommendations(t, modelDir, log, cands, named, n)

			p, err := pathway.New(policy, pathway.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			sc := elasticity.NewScorer(m)
			for u, rows := range log.Histories() {
				id := log.Learners.ID(int32(u))
				var h elasticity.History
				for _, row := range rows {
					a := log.At(int(row))
					h.AddAttempt(m.Index(), &a)
				}
				// The simulator's side: a Session observing each attempt,
				// rescoring when it recommends.
				sess := pathway.NewSession(p, m, elasticity.NewScorer(m))
				for t := range h.Steps {
					st := &h.Steps[t]
					sess.Observe(&pathway.Observation{Item: st.Item, Skills: m.AttemptSkills(st.Item, h.StepSkills(t)), Outcome: st.Outcome})
				}
				post := sc.Score(&h)
				var pc, sessCands []pathway.Candidate
				for _, c := range cands {
					cand := pathway.Place(m, m.ItemIndex(c), nil)
					sessCands = append(sessCands, cand)
					cand.Readiness = sc.Readiness(cand.Item, nil)
					pc = append(pc, cand)
				}
				seed := pathway.SeedFor(id, h.Len())
				var direct, simulated []rec
				for _, r := range pathway.Replay(p, m, &h).Next(nil, &pathway.View{Model: m, Posterior: post, Candidates: pc,
					Count: n, Seed: seed}) {
					direct = append(direct, rec{int64(r.Position), cands[r.Candidate], r.Kind.String(), r.Reason})
				}
				for _, r := range sess.Recommend(nil, sessCands, n, seed, true) {
					simulated = append(simulated, rec{int64(r.Position), cands[r.Candidate], r.Kind.String(), r.Reason})
				}
				if len(direct) != n {
					t.Fatalf("learner %s: %d direct recommendations", id, len(direct))
				}
				for i := range direct {
					if len(fromBatch[id]) != n || len(fromHTTP[id]) != n || len(simulated) != n || fromBatch[id][i] != direct[i] ||
						fromHTTP[id][i] != direct[i] || simulated[i] != direct[i] {
						t.Fatalf("learner %s recommendation %d: batch %v, HTTP %v, simulator %v, pathway %v",
							id, i, fromBatch[id], fromHTTP[id], simulated, direct)
					}
				}
			}
		})
	}
}

// httpRecommendations sends every learner of log to /v1/score/batch with
// options.policy (none when policy is empty) and returns the
// recommendations by learner.
func httpRecommendations(t *testing.T, modelDir string, log *datasets.Log, cands []string, policy string, n int) map[string][]rec {
	t.Helper()
	cfg := serve.DefaultConfig()
	cfg.Model, cfg.APIKeys, cfg.AccessLog = modelDir, []string{"k"}, false
	s, err := serve.New(cfg, serve.Options{BuildVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	type attempt struct {
		ItemID      string   `json:"item_id"`
		SkillIDs    []string `json:"skill_ids"`
		Seq         int64    `json:"seq"`
		Independent bool     `json:"correct_independent"`
		Supported   bool     `json:"correct_supported"`
	}
	type candidate struct {
		ItemID string `json:"item_id"`
	}
	type learner struct {
		LearnerID  string      `json:"learner_id"`
		Attempts   []attempt   `json:"attempts"`
		Candidates []candidate `json:"candidates"`
	}
	req := struct {
		Learners []learner      `json:"learners"`
		Options  map[string]any `json:"options"`
	}{Options: map[string]any{"recommendations": n}}
	if policy != "" {
		req.Options["policy"] = policy
	}
	for u, rows := range log.Histories() {
		l := learner{LearnerID: log.Learners.ID(int32(u))}
		for _, row := range rows {
			a := log.At(int(row))
			l.Attempts = append(l.Attempts, attempt{a.Item, a.Skills, a.Seq, a.Independent, a.Supported})
		}
		for _, c := range cands {
			l.Candidates = append(l.Candidates, candidate{c})
		}
		req.Learners = append(req.Learners, l)
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest(http.MethodPost, "/v1/score/batch", bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer k")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, hr)
	if w.Code != http.StatusOK {
		t.Fatalf("/v1/score/batch: %d %s", w.Code, w.Body)
	}
	var resp struct {
		Results []struct {
			LearnerID       string `json:"learner_id"`
			Recommendations []struct {
				Position int64  `json:"position"`
				ItemID   string `json:"item_id"`
				Kind     string `json:"kind"`
				Reason   string `json:"reason"`
			} `json:"recommendations"`
		} `json:"results"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	out := map[string][]rec{}
	for _, r := range resp.Results {
		for _, x := range r.Recommendations {
			out[r.LearnerID] = append(out[r.LearnerID], rec{x.Position, x.ItemID, x.Kind, x.Reason})
		}
	}
	return out
}
