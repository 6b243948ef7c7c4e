package batch

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/internal/cputime"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// benchDir holds the benchmark cohort and model between runs:
// $ZPD_BENCH_DIR, or zpd-bench-score in the temp directory. They are made
// on first use (about a minute) and reused.
func benchDir(b *testing.B) string {
	if d := os.Getenv("ZPD_BENCH_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "zpd-bench-score")
}

// benchCohort returns the attempts file of the simulated cohort of
// learners × attempts (seed 1) and the artifact of an elasticity model
// fitted on 2,000 other simulated learners.
func benchCohort(b *testing.B, learners, attempts int) (in, model string) {
	b.Helper()
	dir := benchDir(b)
	cohort := filepath.Join(dir, "cohort-"+strconv.Itoa(learners)+"x"+strconv.Itoa(attempts))
	in = filepath.Join(cohort, simulate.AttemptsFile)
	if _, err := os.Stat(in); err != nil {
		cfg := simulate.DefaultConfig()
		cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = learners, attempts, attempts
		if _, err := simulate.WriteDir(context.Background(), cfg, cohort); err != nil {
			b.Fatal(err)
		}
	}
	model = filepath.Join(dir, "model")
	if _, err := os.Stat(filepath.Join(model, artifact.MetadataFile)); err != nil {
		cfg := simulate.DefaultConfig()
		cfg.Seed, cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = 2, 2000, 50, 50
		log, _, err := simulate.SimulateLog(cfg)
		if err != nil {
			b.Fatal(err)
		}
		m, err := elasticity.Fit(context.Background(), log, elasticity.DefaultConfig(), 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := artifact.Save(model, m, artifact.Metadata{}, "benchmark model\n"); err != nil {
			b.Fatal(err)
		}
	}
	return in, model
}

// BenchmarkScore runs zpd score end to end (read, group, score, write) on
// a 10M-attempt, 200k-learner simulated cohort, in memory with the default
// budget and through spill files with a 256 MB budget (also with a
// readiness table for 10 candidate items: 2M rows). It reports
// attempts/s of wall time and of CPU time (the machine is shared), and
// the peak Go heap and peak process RSS during the run.
//
//	go test -run '^$' -bench Score -benchtime 1x ./batch/
func BenchmarkScore(b *testing.B) {
	for _, bc := range []struct {
		name       string
		budget     int64
		candidates int
	}{
		{"10M/default", 0, 0},
		{"10M/256MB", 256 << 20, 0},
		{"10M/256MB/10-candidates", 256 << 20, 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in, model := benchCohort(b, 200_000, 50)
			cfg := Config{Model: model, In: in, MemoryBudget: bc.budget}
			if bc.candidates > 0 {
				cfg.Candidates = benchCandidates(b, model, bc.candidates)
			}
			benchRun(b, cfg)
		})
	}
}

// benchCandidates writes a candidates file of the model's first n items.
func benchCandidates(b *testing.B, model string, n int) string {
	m, _, err := loadModel(model)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "candidates.txt")
	if err := os.WriteFile(path, []byte(strings.Join(m.Params().Items[:n], "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchRun(b *testing.B, cfg Config) {
	var attempts int64
	var cpu time.Duration
	var peakHeap uint64
	var peakRSS int64
	for b.Loop() {
		b.StopTimer()
		cfg.Out = b.TempDir()
		// Return the previous run's memory to the OS first, or the peak
		// RSS mark would start at what that run left resident.
		debug.FreeOSMemory()
		resetPeakRSS()
		stop := samplePeakHeap(&peakHeap)
		cpu0 := cputime.Process()
		b.StartTimer()
		res, err := Run(context.Background(), cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cputime.Process() - cpu0
		stop()
		peakRSS = max(peakRSS, readPeakRSS())
		attempts += res.Manifest.Attempts
		b.ReportMetric(float64(res.Manifest.Parts), "parts")
		if res.Manifest.ReadinessRows > 0 {
			b.ReportMetric(float64(res.Manifest.ReadinessRows), "readiness-rows")
		}
		os.RemoveAll(cfg.Out)
		b.StartTimer()
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric(float64(attempts)/cpu.Seconds(), "attempts/cpu-s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if peakRSS > 0 {
		b.ReportMetric(float64(peakRSS)/(1<<20), "peak-RSS-MB")
	}
	b.ReportMetric(0, "ns/op")
}

// samplePeakHeap records the largest Go heap (live and garbage objects)
// seen every 10ms until the returned stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// resetPeakRSS resets the kernel's peak-RSS mark of this process (Linux;
// elsewhere a no-op), so that readPeakRSS measures only what follows.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// readPeakRSS returns VmHWM, the process's peak resident set, in bytes;
// 0 where /proc is not available.
func readPeakRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
