package serve

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/cputime"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
	"github.com/zpd-project/zpd/store"
)

// benchModel writes an elasticity artifact of the benchmarks' size (10,000
// items over 100 skills) with parameters drawn around the values fits give,
// so scoring does the work of a real model of that size.
func benchModel(b *testing.B, items, skills int) (string, *elasticity.Params) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	p := &elasticity.Params{
		Format: elasticity.FormatName, Version: elasticity.FormatVersion, Config: elasticity.DefaultConfig(),
		Mean: [2]float64{0, 1}, Cov: [2][2]float64{{1, 0.15}, {0.15, 0.25}},
		ItemSD: 0.5, SupportSD: 0.3,
	}
	for i := range p.Rates {
		p.Rates[i] = 0.05 * rng.NormFloat64()
	}
	for k := range skills {
		p.Skills = append(p.Skills, "skill-"+strconv.Itoa(k))
		p.SkillDifficulty = append(p.SkillDifficulty, rng.NormFloat64())
		p.SkillSupport = append(p.SkillSupport, 0.2*rng.NormFloat64())
		var r = p.Rates
		for i := range r {
			r[i] = 0.02 * rng.NormFloat64()
		}
		p.SkillRates = append(p.SkillRates, r)
	}
	p.ItemSkillStart = []int32{0}
	for j := range items {
		p.Items = append(p.Items, "item-"+strconv.Itoa(j))
		k := rng.IntN(skills)
		p.ItemSkills = append(p.ItemSkills, int32(k))
		if rng.Float64() < 0.3 {
			p.ItemSkills = append(p.ItemSkills, int32((k+1)%skills))
		}
		p.ItemSkillStart = append(p.ItemSkillStart, int32(len(p.ItemSkills)))
		p.Difficulty = append(p.Difficulty, p.SkillDifficulty[k]+0.5*rng.NormFloat64())
		p.SupportEffect = append(p.SupportEffect, 0.3*rng.NormFloat64())
	}
	m, err := elasticity.NewModel(p)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "model")
	if err := artifact.Save(dir, m, artifact.Metadata{SchemaVersion: datasets.SchemaVersion, CreatedAt: time.Now()}, ""); err != nil {
		b.Fatal(err)
	}
	return dir, p
}

// benchLearner is a request of the reference shape: a 50-attempt history
// and 20 candidates, ids and skills as a platform sends them.
func benchLearner(p *elasticity.Params, rng *rand.Rand, id string, attempts, candidates int) wireLearner {
	l := wireLearner{LearnerID: id}
	for t := range attempts {
		j := rng.IntN(len(p.Items))
		var skills []string
		for _, k := range p.ItemSkills[p.ItemSkillStart[j]:p.ItemSkillStart[j+1]] {
			skills = append(skills, p.Skills[k])
		}
		ind := rng.Float64() < 0.6
		a := wireAttempt{ItemID: p.Items[j], SkillIDs: skills, Seq: int64(t),
			Timestamp:          time.Date(2024, 3, 1, 9, 0, t, 0, time.UTC).Format(time.RFC3339),
			CorrectIndependent: ind, CorrectSupported: ind || rng.Float64() < 0.6, HintsUsed: int32(rng.IntN(3))}
		l.Attempts = append(l.Attempts, a)
	}
	for range candidates {
		l.Candidates = append(l.Candidates, wireCandidate{ItemID: p.Items[rng.IntN(len(p.Items))]})
	}
	return l
}

// nullWriter is a reusable http.ResponseWriter that keeps only the status,
// so the benchmarks measure the server, not a recorder.
type nullWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.status = code }
func (w *nullWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// benchServe runs body through the handler b.N times on each of
// GOMAXPROCS goroutines and reports requests and learners per second.
func benchServe(b *testing.B, path string, body []byte, learners int, accessLog bool) {
	dir, _ := benchModel(b, 10000, 100)
	cfg := testConfig(dir)
	cfg.AccessLog = accessLog
	log, err := NewLogger(cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg, Options{Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		w := &nullWriter{h: http.Header{}}
		rd := bytes.NewReader(body)
		req, _ := http.NewRequest("POST", path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
		for pb.Next() {
			rd.Reset(body)
			req.ContentLength = int64(len(body))
			clear(w.h)
			w.status = 0
			h.ServeHTTP(w, req)
			if w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		}
	})
	sec := time.Since(start).Seconds()
	cpu := (cputime.Process() - cpu0).Seconds()
	b.ReportMetric(float64(b.N)/sec, "req/s")
	b.ReportMetric(float64(b.N*learners)/sec, "learners/s")
	// CPU time per request, and the learners/s two dedicated cores would
	// give at that cost: the shared machine's wall time understates both.
	b.ReportMetric(cpu/float64(b.N)*1e6, "cpu-µs/req")
	b.ReportMetric(2*float64(b.N*learners)/cpu, "learners/s@2cpu")
}

// BenchmarkScoreHandler is /v1/score through the Gin engine (middleware,
// auth, decode, score, encode) without the network: one learner, 50
// attempts, 20 candidates, 10,000-item model.
func BenchmarkScoreHandler(b *testing.B) {
	_, p := benchModel(b, 10000, 100)
	body := mustJSON(b, benchLearner(p, rand.New(rand.NewPCG(3, 4)), "u1", 50, 20))
	for _, accessLog := range []bool{false, true} {
		b.Run("access_log="+strconv.FormatBool(accessLog), func(b *testing.B) {
			benchServe(b, "/v1/score", body, 1, accessLog)
		})
	}
}

// BenchmarkBatchHandler is /v1/score/batch with 1,000 learners of the
// same shape, and with 1,000 short histories (10 attempts, no candidates).
func BenchmarkBatchHandler(b *testing.B) {
	_, p := benchModel(b, 10000, 100)
	for _, shape := range []struct {
		name                 string
		attempts, candidates int
	}{{"50att-20cand", 50, 20}, {"10att-0cand", 10, 0}} {
		b.Run(shape.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			var learners []wireLearner
			for i := range 1000 {
				learners = append(learners, benchLearner(p, rng, "u"+strconv.Itoa(i), shape.attempts, shape.candidates))
			}
			body := mustJSON(b, map[string]any{"learners": learners})
			benchServe(b, "/v1/score/batch", body, 1000, false)
		})
	}
}

// BenchmarkDecode is the request decoder alone on the reference request.
func BenchmarkDecode(b *testing.B) {
	_, p := benchModel(b, 10000, 100)
	body := mustJSON(b, benchLearner(p, rand.New(rand.NewPCG(3, 4)), "u1", 50, 20))
	var d decoder
	d.lim = limits{attempts: 1000, candidates: 1000, learners: 1}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	defer func() { b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N)/1e3, "cpu-µs/op") }()
	for b.Loop() {
		if _, err := d.decodeSingle(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreLearner is scoring and encoding one decoded learner.
func BenchmarkScoreLearner(b *testing.B) {
	dir, p := benchModel(b, 10000, 100)
	l, err := loadModel(dir)
	if err != nil {
		b.Fatal(err)
	}
	body := mustJSON(b, benchLearner(p, rand.New(rand.NewPCG(3, 4)), "u1", 50, 20))
	var d decoder
	d.lim = limits{attempts: 1000, candidates: 1000, learners: 1}
	req, err := d.decodeSingle(body)
	if err != nil {
		b.Fatal(err)
	}
	w := l.getWorker()
	var out []byte
	opts := options{Recommendations: 5, Policy: slices.Index(pathway.Names(), DefaultConfig().Policy)}
	b.ReportAllocs()
	cpu0 := cputime.Process()
	defer func() { b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N)/1e3, "cpu-µs/op") }()
	for b.Loop() {
		post, uerr := w.score(l, req, 0, opts)
		if uerr != nil {
			b.Fatal(uerr)
		}
		out = w.appendResult(out[:0], l, req, 0, &post)
	}
}

// BenchmarkLearnerAttempts is POST /v1/learners/{id}/attempts through the
// Gin engine on an SQLite store: each request posts one new attempt for
// the next of 1,000 learners seeded with 50 attempts, with 20 candidates,
// as bench/serve/learners.sh does over the network; without and with the
// learner history cache.
func BenchmarkLearnerAttempts(b *testing.B) {
	for _, cache := range []int64{0, DefaultConfig().LearnerCacheBytes} {
		b.Run("cache="+strconv.FormatInt(cache, 10), func(b *testing.B) { benchLearnerAttempts(b, cache) })
	}
}

func benchLearnerAttempts(b *testing.B, cache int64) {
	dir, p := benchModel(b, 10000, 100)
	cfg := testConfig(dir)
	cfg.Store = "sqlite:" + filepath.Join(b.TempDir(), "learners.db")
	cfg.LearnerCacheBytes = cache
	s, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const learners = 1000
	rng := rand.New(rand.NewPCG(7, 8))
	for u := range learners {
		l := benchLearner(p, rng, "", 50, 0)
		batch := make([]store.Attempt, len(l.Attempts))
		for t, a := range l.Attempts {
			batch[t] = store.Attempt{EventID: "seed-" + strconv.Itoa(t), Seq: a.Seq, Item: a.ItemID, Skills: a.SkillIDs,
				Independent: a.CorrectIndependent, Supported: a.CorrectSupported, HintsAvailable: -1,
				ResponseMS: math.NaN(), Difficulty: math.NaN()}
		}
		if _, _, err := s.learners.Append(context.Background(), "b"+strconv.Itoa(u), batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	cands := mustJSON(b, benchLearner(p, rng, "", 0, 20).Candidates)
	h := s.Handler()
	var next atomic.Int64
	// As many requests in flight as bench/serve/learners.sh's connections.
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		w := &nullWriter{h: http.Header{}}
		var body []byte
		rd := bytes.NewReader(nil)
		for pb.Next() {
			n := next.Add(1)
			body = append(body[:0], `{"attempts":[{"event_id":"n`...)
			body = strconv.AppendInt(body, n, 10)
			body = append(body, `","item_id":"`...)
			body = append(body, p.Items[n%int64(len(p.Items))]...)
			body = append(body, `","correct_independent":true,"correct_supported":true}],"candidates":`...)
			body = append(body, cands...)
			body = append(body, '}')
			rd.Reset(body)
			req, _ := http.NewRequest("POST", "/v1/learners/b"+strconv.FormatInt(n%learners, 10)+"/attempts", rd)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+testAPIKey)
			clear(w.h)
			w.status = 0
			h.ServeHTTP(w, req)
			if w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		}
	})
	sec := time.Since(start).Seconds()
	cpu := (cputime.Process() - cpu0).Seconds()
	b.ReportMetric(float64(b.N)/sec, "req/s")
	b.ReportMetric(cpu/float64(b.N)*1e6, "cpu-µs/req")
}
