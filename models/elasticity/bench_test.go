package elasticity

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/internal/cputime"
)

// benchFit fits a simulated log of learners × attempts (θ ~ N(0,1),
// ε ~ N(1, 0.5²), learning on) and reports attempts/s and the work done.
func benchFit(b *testing.B, learners, attempts int, cfg Config) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = learners, attempts, 2000, 50
	sc.Gamma = [3]float64{0.005, 0.05, 0.02}
	log, _ := simulate(sc)
	b.ResetTimer()
	var rounds, evals int
	cpu := cputime.Process().Seconds()
	for b.Loop() {
		fitting, _ := splitValidation(log, 0, 0)
		d := newDesign(log, log.Histories(), fitting, cfg)
		f := newFitter(d, cfg, cfg.Threads)
		if err := f.run(context.Background(), noCheck); err != nil {
			b.Fatal(err)
		}
		rounds, evals = f.iter, f.obj.evals
	}
	b.ReportMetric(float64(log.Len())*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric(float64(rounds), "iterations")
	b.ReportMetric((cputime.Process().Seconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(evals), "evals")
}

func BenchmarkFit(b *testing.B) {
	for _, n := range []struct{ learners, attempts int }{{1000, 100}, {5000, 100}} {
		b.Run(fmt.Sprintf("%dk", n.learners*n.attempts/1000), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Practice = PracticeLinear
			cfg.Threads = 2
			benchFit(b, n.learners, n.attempts, cfg)
		})
	}
}

// BenchmarkLikelihood measures one pass of the objective (gradient and
// curvature, no value) over 100k simulated attempts.
func BenchmarkLikelihood(b *testing.B) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 1000, 100, 2000, 50
	sc.Gamma = [3]float64{0.005, 0.05, 0.02}
	log, _ := simulate(sc)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			cfg := DefaultConfig()
			fitting, _ := splitValidation(log, 0, 0)
			d := newDesign(log, log.Histories(), fitting, cfg)
			f := newFitter(d, cfg, threads)
			for b.Loop() {
				f.obj.likelihood(f.x, f.gl, false, true)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(log.Len()), "ns/attempt")
		})
	}
}

// BenchmarkScore scores a 50-attempt history and forecasts one item: the
// server's and the evaluation's unit of work. Goal: ≤ 20 µs, 0 allocs.
func BenchmarkScore(b *testing.B) {
	m := handModel(b)
	h := benchHistory(50)
	s := NewScorer(m)
	skills := []int32{0}
	s.Score(h)
	b.ReportAllocs()
	cpu := cputime.Process().Seconds()
	for b.Loop() {
		s.Score(h)
		s.Readiness(1, skills)
	}
	b.ReportMetric((cputime.Process().Seconds()-cpu)*1e9/float64(b.N), "cpu-ns/op")
}

// BenchmarkFit10M fits 10 million simulated attempts (100,000 learners × 100,
// 20,000 items, 500 skills, learning on) with the default configuration and
// reports attempts/s and the process's peak RSS (which includes the
// simulated datasets.Log itself). Run alone:
//
//	go test -run XXX -bench Fit10M -benchtime 1x ./models/elasticity
func BenchmarkFit10M(b *testing.B) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 100000, 100, 20000, 500
	sc.Gamma = [3]float64{0.005, 0.05, 0.02}
	log, _ := simulate(sc)
	runtime.GC()
	cfg := DefaultConfig()
	b.ResetTimer()
	cpu := cputime.Process().Seconds()
	for b.Loop() {
		if _, err := Fit(context.Background(), log, cfg, 1, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(log.Len())*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric((cputime.Process().Seconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(peakRSSMB(), "peakRSS_MB")
}

// BenchmarkScoreFeedback is BenchmarkScore for a model with the feedback
// stage (fitted on a simulated log of 300 learners × 100 attempts over 2,000
// items): three learner effects, and the combined elasticity and point of
// difficulty by the unscented transform over the item bank's nodes.
func BenchmarkScoreFeedback(b *testing.B) {
	sc := defaultSim()
	sc.Items = 2000
	sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.3, 0.6, 0.5
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.FeedbackStage = true
	m, err := Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	var h History
	res := features.NewLogResolver(m.Index(), log)
	res.History(&h, log.Histories()[0][:50])
	s := NewScorer(m)
	s.Score(&h)
	b.ReportAllocs()
	cpu := cputime.Process().Seconds()
	for b.Loop() {
		s.Score(&h)
		s.Readiness(1, nil)
	}
	b.ReportMetric((cputime.Process().Seconds()-cpu)*1e9/float64(b.N), "cpu-ns/op")
}

// BenchmarkFitFeedback is BenchmarkFit's 100k case with the feedback stage
// on, on a log drawn from its story.
func BenchmarkFitFeedback(b *testing.B) {
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 1000, 100, 2000, 50
	sc.Gamma = [3]float64{0.005, 0.05, 0.02}
	sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.3, 0.6, 0.5
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.Practice, cfg.Threads, cfg.FeedbackStage = PracticeLinear, 2, true
	b.ResetTimer()
	cpu := cputime.Process().Seconds()
	iters := 0
	for b.Loop() {
		m, err := Fit(context.Background(), log, cfg, 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		iters = m.Params().Fit.Iterations
	}
	b.ReportMetric(float64(log.Len())*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric(float64(iters), "iterations")
	b.ReportMetric((cputime.Process().Seconds()-cpu)/float64(b.N), "cpu-s/op")
}
