package simulate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/cputime"
)

// benchConfig simulates about one million attempts per run.
func benchConfig() Config {
	cfg := DefaultConfig()
	cfg.Learners = 10000
	cfg.Groups = 4
	return cfg
}

// reportRate reports attempts per second of wall time over the whole
// benchmark, and attempts per second of process CPU time since cpu0, which
// stays meaningful when other processes share the cores.
func reportRate(b *testing.B, attempts int64, cpu0 time.Duration) {
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(attempts)/cpu.Seconds(), "attempts/cpu-s")
	}
}

// discard is a sink that drops every attempt: the cost of generation alone.
type discard struct{}

func (discard) Write(*datasets.Attempt) error { return nil }

// BenchmarkGenerate measures generation alone, without any sink cost.
func BenchmarkGenerate(b *testing.B) {
	cfg := benchConfig()
	var n int64
	cpu0 := cputime.Process()
	for b.Loop() {
		truth, err := Simulate(cfg, discard{})
		if err != nil {
			b.Fatal(err)
		}
		n += truth.Attempts
	}
	reportRate(b, n, cpu0)
}

// BenchmarkSimulate measures simulation into an in-memory Log.
func BenchmarkSimulate(b *testing.B) {
	cfg := benchConfig()
	var n int64
	cpu0 := cputime.Process()
	for b.Loop() {
		log, _, err := SimulateLog(cfg)
		if err != nil {
			b.Fatal(err)
		}
		n += int64(log.Len())
	}
	reportRate(b, n, cpu0)
}

// BenchmarkWriteDir measures simulation end to end into Parquet files, for
// about one and ten million attempts.
func BenchmarkWriteDir(b *testing.B) {
	for _, learners := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("attempts=%dM", learners/10000), func(b *testing.B) {
			cfg := benchConfig()
			cfg.Learners = learners
			dir := b.TempDir()
			var n int64
			cpu0 := cputime.Process()
			for b.Loop() {
				truth, err := WriteDir(context.Background(), cfg, dir)
				if err != nil {
					b.Fatal(err)
				}
				n += truth.Attempts
			}
			reportRate(b, n, cpu0)
		})
	}
}
