package elasticity

import (
	"context"
	"fmt"
	"testing"
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
