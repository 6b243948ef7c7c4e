package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/zpd-project/zpd/internal/cputime"
)

// reportRows reports rows/s and CPU ns per row for rows processed since
// the CPU time was cpu0.
func reportRows(b *testing.B, rows float64, cpu0 time.Duration) {
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cputime.Process()-cpu0)/rows, "cpu-ns/row")
}

// benchFiles caches the generated benchmark logs for the whole process.
type benchFiles struct {
	once sync.Once
	dir  string
	keep string // ZPD_BENCH_DIR: not removed at exit
	err  error
}

var bench benchFiles

// TestMain removes the benchmark logs when the test binary exits.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" && bench.keep == "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchLog returns the path of a generated Parquet log of rows attempts
// with one group column, written once per process through Writer.Write.
func benchLog(b *testing.B, rows int) string {
	bench.once.Do(func() {
		// ZPD_BENCH_DIR keeps the generated logs between runs (they take
		// a minute to write); by default they live in a temp dir removed
		// at exit.
		if dir := os.Getenv("ZPD_BENCH_DIR"); dir != "" {
			bench.err = os.MkdirAll(dir, 0o755)
			bench.keep = dir
			return
		}
		bench.dir, bench.err = os.MkdirTemp("", "zpd-bench-")
	})
	if bench.keep != "" {
		bench.dir = bench.keep
	}
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	path := filepath.Join(bench.dir, fmt.Sprintf("log-%d.parquet", rows))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	w, err := Create(path, WriteOptions{Groups: []string{"group_0"}})
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 500_000
	learner := 0
	for done := 0; done < rows; done += chunk {
		var as []Attempt
		as, learner = synthAttemptsFrom(min(chunk, rows-done), uint64(done), 1, learner)
		for i := range as {
			if err := w.Write(&as[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchmarkReadLog(b *testing.B, rows int) {
	path := benchLog(b, rows)
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		l, err := ReadLog(path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if l.Len() != rows {
			b.Fatalf("read %d rows, want %d", l.Len(), rows)
		}
	}
	reportRows(b, float64(rows)*float64(b.N), cpu0)
}

func BenchmarkReadLog1M(b *testing.B)  { benchmarkReadLog(b, 1_000_000) }
func BenchmarkReadLog10M(b *testing.B) { benchmarkReadLog(b, 10_000_000) }

// BenchmarkWrite measures Writer.Write throughput, attempt by attempt: each
// op writes one million attempts (about one row group) through one writer,
// cycling over 16K pregenerated attempts (a caller's attempt is fresh in
// cache; cycling over millions of pregenerated ones would measure cache
// misses on the attempts instead).
func BenchmarkWrite(b *testing.B) {
	const perOp = 1 << 20
	as := synthAttempts(1<<14, 1, 1)
	path := filepath.Join(b.TempDir(), "log.parquet")
	w, err := Create(path, WriteOptions{Groups: []string{"group_0"}})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Abort()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		for i := range perOp {
			if err := w.Write(&as[i%len(as)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	reportRows(b, float64(b.N)*perOp, cpu0)
}

// BenchmarkWriteLog measures the columnar WriteLog path on 1M attempts.
func BenchmarkWriteLog(b *testing.B) {
	l := synthLog(1_000_000, 1, 1)
	path := filepath.Join(b.TempDir(), "log.parquet")
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		w, err := Create(path, WriteOptions{Groups: l.GroupNames})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteLog(l); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, float64(l.Len())*float64(b.N), cpu0)
}

// benchmarkReaderStream streams a log of rows attempts through Reader and
// reports the peak heap in use above the starting heap, sampled every 16
// batches. Comparing the 1M and 10M results shows memory stays flat: it
// is bounded by the batch and row-group sizes, not the log's length.
func benchmarkReaderStream(b *testing.B, rows int) {
	path := benchLog(b, rows)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := uint64(0)
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		r, err := Open(path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n, batches := 0, 0
		for r.Next() {
			n += int(r.Record().NumRows())
			if batches++; batches%16 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
		if n != rows {
			b.Fatalf("streamed %d rows, want %d", n, rows)
		}
	}
	reportRows(b, float64(rows)*float64(b.N), cpu0)
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-MB")
}

func BenchmarkReaderStream1M(b *testing.B)  { benchmarkReaderStream(b, 1_000_000) }
func BenchmarkReaderStream10M(b *testing.B) { benchmarkReaderStream(b, 10_000_000) }
