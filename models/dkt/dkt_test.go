package dkt

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/protocol"
)

// simLog simulates a small log: learners with 10..40 attempts on 6 skills
// (a third of the items on two) and 40 items.
func simLog(t testing.TB, learners int, seed uint64) *datasets.Log {
	return simLogN(t, learners, 10, 40, seed)
}

func simLogN(t testing.TB, learners, minAttempts, maxAttempts int, seed uint64) *datasets.Log {
	t.Helper()
	cfg := simulate.DefaultConfig()
	cfg.Seed, cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = seed, learners, minAttempts, maxAttempts
	cfg.Skills, cfg.Items = 6, 40
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// smallParams keep training fast in tests.
func smallParams() map[string]any {
	return map[string]any{"embedding": 8, "hidden": 8, "epochs": 4, "window": 20, "batch_size": 16}
}

// tinyNet returns a vocabulary, random weights and encoded sequences of a
// few simulated learners, for checks of the network itself.
func tinyNet(t *testing.T, key string, hidden int) (*vocab, *weights, *sequences) {
	t.Helper()
	log := simLogN(t, 4, 6, 12, 3)
	v := logVocab(log, key)
	w := newWeights(v.numKeys(), v.numSkills(), 3, hidden)
	w.init(rand.New(rand.NewPCG(5, 6)))
	rng := rand.New(rand.NewPCG(7, 8))
	for _, p := range w.tensors() {
		if p.rows == 1 { // non-zero biases, so their gradients are exercised
			for i := range p.data {
				p.data[i] = 0.3 * rng.NormFloat64()
			}
		}
	}
	return v, w, v.encode(log)
}

// TestForwardMatchesGorgonia runs the gorgonia graph forward (no dropout)
// and the learner's hand-written pass over the same windows: every real
// step's two predictions must agree.
func TestForwardMatchesGorgonia(t *testing.T) {
	for _, key := range []string{KeySkill, KeyItem} {
		t.Run(key, func(t *testing.T) {
			_, w, s := tinyNet(t, key, 5)
			all := make([]int, s.learners())
			for u := range all {
				all[u] = u
			}
			wins := s.windows(all, 1000) // whole histories, as a learner sees them
			T := 0
			for _, wd := range wins {
				T = max(T, wd.to-wd.from)
			}
			gr, err := newGraph(w, len(wins), T)
			if err != nil {
				t.Fatal(err)
			}
			defer gr.close()
			gr.fill(s, wins, 0, nil)
			if err := gr.run(); err != nil {
				t.Fatal(err)
			}
			st := newState(w)
			checked := 0
			for b, wd := range wins {
				clear(st.h)
				for i := wd.from; i < wd.to; i++ {
					sp := &s.steps[i]
					row := (i-wd.from)*gr.B + b
					for h := range 2 {
						got := gr.p[h].Value().Data().([]float64)[row]
						want := st.predict(h, s.colsOf(sp))
						if math.Abs(got-want) > 1e-12 {
							t.Fatalf("window %d step %d head %d: gorgonia %.15g, hand-written %.15g", b, i-wd.from, h, got, want)
						}
					}
					checked++
					st.step(s.tokensOf(sp))
				}
			}
			if checked < 24 {
				t.Fatalf("only %d steps checked", checked)
			}
		})
	}
}

// TestGradientFiniteDifferences checks gorgonia's gradient of the
// minibatch loss, for weights spread over every matrix of a tiny network
// with dropout, against central finite differences of the same loss.
func TestGradientFiniteDifferences(t *testing.T) {
	_, w, s := tinyNet(t, KeySkill, 3)
	all := make([]int, s.learners())
	for u := range all {
		all[u] = u
	}
	wins := s.windows(all, 5)
	gr, err := newGraph(w, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer gr.close()
	gr.fill(s, wins[:3], 0.3, rand.New(rand.NewPCG(1, 2)))
	if err := gr.run(); err != nil {
		t.Fatal(err)
	}
	if l := gr.lossValue(); !(l > 0) {
		t.Fatalf("loss %v", l)
	}
	var grads [][]float64
	for _, n := range gr.params {
		g, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, slices.Clone(g.Data().([]float64)))
	}
	loss := func(pw *weights) float64 {
		if err := gr.write(pw); err != nil {
			t.Fatal(err)
		}
		if err := gr.run(); err != nil {
			t.Fatal(err)
		}
		return gr.lossValue()
	}
	const h = 1e-6
	pw := w.clone()
	nonzero := 0
	for i, p := range pw.tensors() {
		// Up to 6 entries per matrix, spread over it, keep the test fast.
		for j := 0; j < len(p.data); j += max(1, len(p.data)/6) {
			orig := p.data[j]
			p.data[j] = orig + h
			up := loss(pw)
			p.data[j] = orig - h
			down := loss(pw)
			p.data[j] = orig
			fd := (up - down) / (2 * h)
			if math.Abs(fd-grads[i][j]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("%s[%d]: gorgonia %.10g, finite difference %.10g", p.name, j, grads[i][j], fd)
			}
			if grads[i][j] != 0 {
				nonzero++
			}
		}
	}
	if nonzero < 40 {
		t.Errorf("only %d non-zero gradient entries", nonzero)
	}
}

// TestFitIsDeterministicAndLearns evaluates dkt twice with one seed under
// the protocol on a simulated log: the metrics must be identical, better
// than chance on both stages, and a different seed must give different
// predictions.
func TestFitIsDeterministicAndLearns(t *testing.T) {
	log := simLog(t, 60, 11)
	run := func(seed int64) *evaluate.Leaderboard {
		lb, err := evaluate.Run(context.Background(), log, []models.Family{Family{}},
			evaluate.Options{Seed: seed, Params: map[string]map[string]any{Name: smallParams()}})
		if err != nil {
			t.Fatal(err)
		}
		return lb
	}
	a, b, c := run(1), run(1), run(2)
	sa, sb := a.Models[0], b.Models[0]
	if !slices.Equal(sa.Predictions, sb.Predictions) || sa.AUCInd != sb.AUCInd || sa.AUCSup != sb.AUCSup {
		t.Errorf("same seed, different results: AUC %v/%v vs %v/%v", sa.AUCInd, sa.AUCSup, sb.AUCInd, sb.AUCSup)
	}
	if slices.Equal(sa.Predictions, c.Models[0].Predictions) {
		t.Error("seeds 1 and 2 gave identical predictions: the seed is not used")
	}
	if sa.AUCInd < 0.6 || sa.AUCSup < 0.55 {
		t.Errorf("AUC ind %.3f, sup %.3f: the network did not learn", sa.AUCInd, sa.AUCSup)
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(map[string]any{"hidden": "16", "dropout": 0.1, "key": "item"})
	if err != nil || c.Hidden != 16 || c.Dropout != 0.1 || c.Key != KeyItem || c.Embedding != DefaultConfig().Embedding {
		t.Errorf("got %+v, %v", c, err)
	}
	for _, bad := range []map[string]any{
		{"hiden": 16},
		{"hidden": "many"},
		{"dropout": 1.0},
		{"key": "learner"},
		{"window": 1},
	} {
		if _, err := ParseConfig(bad); err == nil {
			t.Errorf("ParseConfig(%v) accepted", bad)
		}
	}
}

// TestUnmarshalRejectsBadParams corrupts a fitted model's parameters one
// way at a time; each must be refused with an error naming the problem.
func TestUnmarshalRejectsBadParams(t *testing.T) {
	m, err := Family{}.Fit(context.Background(), simLogN(t, 12, 5, 10, 4), models.FitOptions{Seed: 1, Params: map[string]any{"hidden": 4, "embedding": 4, "epochs": 1}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := m.MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Family{}).Unmarshal(raw); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	tests := []struct {
		name, want string
		edit       func(p map[string]any)
	}{
		{"short weight", `"head_independent" has`, func(p map[string]any) {
			w := p["weights"].(map[string]any)
			w["head_independent"] = w["head_independent"].([]any)[1:]
		}},
		{"missing weight", `lack weight "state_z"`, func(p map[string]any) { delete(p["weights"].(map[string]any), "state_z") }},
		{"extra weight", "weight matrices", func(p map[string]any) { p["weights"].(map[string]any)["extra"] = []any{1.0} }},
		{"bad item skills", "item_skill", func(p map[string]any) { p["item_skill_start"] = []any{0.0} }},
		{"duplicate skill", "twice", func(p map[string]any) {
			s := p["skills"].([]any)
			s[1] = s[0]
		}},
		{"bad config", "hidden", func(p map[string]any) { p["config"].(map[string]any)["hidden"] = 0.0 }},
		{"other family", "family", func(p map[string]any) { p["family"] = "bestlr" }},
	}
	for _, tc := range tests {
		var p map[string]any
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		tc.edit(p)
		b, _ := json.Marshal(p)
		_, err := Family{}.Unmarshal(b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestDegenerateLogs fits and replays logs a real cohort never gives:
// every prediction must be a probability, or Fit must return an error.
func TestDegenerateLogs(t *testing.T) {
	grid := func(learners, per int, skills bool, outcome func(l, k int) (bool, bool)) *datasets.Log {
		log := datasets.NewLog()
		for l := range learners {
			for k := range per {
				a := datasets.NewAttempt()
				a.Learner, a.Item, a.Seq = fmt.Sprintf("u%03d", l), fmt.Sprintf("i%d", (l+k)%7), int64(k)
				if skills {
					a.Skills = []string{fmt.Sprintf("s%d", k%3)}
				}
				a.Independent, a.Supported = outcome(l, k)
				log.Append(&a)
			}
		}
		return log
	}
	tests := []struct {
		name string
		log  *datasets.Log
	}{
		{"one attempt per learner", grid(30, 1, true, func(l, k int) (bool, bool) { return l%3 == 0, l%2 == 0 })},
		{"one learner", grid(1, 30, true, func(l, k int) (bool, bool) { return k%3 == 0, k%2 == 0 })},
		{"no skills", grid(12, 6, false, func(l, k int) (bool, bool) { return (l*k)%3 == 0, (l+k)%2 == 0 })},
		{"all correct", grid(12, 6, true, func(l, k int) (bool, bool) { return true, true })},
		{"all wrong", grid(12, 6, true, func(l, k int) (bool, bool) { return false, false })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Family{}.Fit(context.Background(), tc.log, models.FitOptions{Seed: 1, Params: map[string]any{"hidden": 4, "embedding": 4, "epochs": 3}})
			if err != nil {
				t.Fatalf("fit: %v", err)
			}
			for _, h := range tc.log.Histories() {
				for _, p := range protocol.Replay(m, tc.log, h) {
					for _, v := range []float64{p.Independent, p.Supported} {
						if !(v > 0 && v < 1) {
							t.Fatalf("prediction %+v is not a probability", p)
						}
					}
				}
			}
		})
	}
}
