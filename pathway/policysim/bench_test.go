package policysim

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/pathway"
)

// BenchmarkRun runs the default world's five policies on
// ZPD_BENCH_LEARNERS learners (default 1,000) × 500 steps. BENCHMARKS.md
// records the run at 10,000 learners.
func BenchmarkRun(b *testing.B) {
	learners := 1000
	if v := os.Getenv("ZPD_BENCH_LEARNERS"); v != "" {
		var err error
		if learners, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	w := DefaultWorld()
	setup, err := Prepare(context.Background(), w, 1)
	if err != nil {
		b.Fatal(err)
	}
	ps, err := w.NewPolicies(pathway.Names())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), setup, Options{Policies: ps, Learners: learners, Steps: 500, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*learners*500*len(ps))/b.Elapsed().Seconds(), "attempts/s")
}
