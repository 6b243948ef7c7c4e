package assistments

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/cputime"
	"github.com/zpd-project/zpd/internal/shareddata"
)

// BenchmarkImport2009 imports a synthetic skill-builder CSV of about a
// million rows, built once in a temporary directory by replicating the
// shared excerpt with fresh user and order ids, and reports rows/s.
func BenchmarkImport2009(b *testing.B) {
	const copies = 41 // 41 x 24,437 rows = 1,001,917 rows
	path := filepath.Join(b.TempDir(), "synthetic2009.csv")
	rows, err := replicate2009(shareddata.MustPath(b, shareddata.Assistments2009), path, copies)
	if err != nil {
		b.Skipf("cannot build the synthetic file: %v", err)
	}
	b.Run("discard", func(b *testing.B) {
		benchImport(b, path, rows, func(*datasets.Attempt) error { return nil })
	})
	b.Run("log", func(b *testing.B) {
		l := datasets.NewLog(New2009().Groups()...)
		benchImport(b, path, rows, func(a *datasets.Attempt) error {
			l.Append(a) // grows over iterations; it measures appending, not a fresh log
			return nil
		})
	})
}

func benchImport(b *testing.B, path string, rows int64, emit func(*datasets.Attempt) error) {
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := New2009().Import(context.Background(), f, path, emit)
		f.Close()
		if err != nil || sum.RowsRead != rows {
			b.Fatalf("read %d rows, want %d: %v", sum.RowsRead, rows, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		// Process CPU time, GC included: on a loaded machine wall time
		// understates the importer's speed.
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	b.ReportMetric(0, "ns/op") // the rates above say it per row
}

// replicate2009 writes copies of the CSV at src to dst, each copy with its
// own user ids (and order ids), and returns the number of data rows.
func replicate2009(src, dst string, copies int) (int64, error) {
	in, err := os.ReadFile(src)
	if err != nil {
		return 0, err
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	w := csv.NewWriter(out)
	var rows int64
	for c := range copies {
		r := csv.NewReader(bytes.NewReader(in))
		header, err := r.Read()
		if err != nil {
			return 0, err
		}
		if c == 0 {
			if err := w.Write(header); err != nil {
				return 0, err
			}
		}
		userCol, orderCol := index(header, "user_id"), index(header, "order_id")
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return 0, err
			}
			for _, col := range []int{userCol, orderCol} {
				v, err := strconv.ParseInt(rec[col], 10, 64)
				if err != nil {
					return 0, err
				}
				rec[col] = strconv.FormatInt(v+int64(c)*1_000_000_000, 10)
			}
			if err := w.Write(rec); err != nil {
				return 0, err
			}
			rows++
		}
	}
	w.Flush()
	return rows, w.Error()
}

func index(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	return -1
}
