package features

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/cputime"
)

// benchLog is 20,000 learners × 50 attempts over 2,000 items and 100
// skills, in learner order as a platform exports it.
func benchLog(b *testing.B) *datasets.Log {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	log := datasets.NewLog()
	a := datasets.NewAttempt()
	skills := make([]string, 100)
	for k := range skills {
		skills[k] = "skill-" + strconv.Itoa(k)
	}
	for u := range 20000 {
		a.Learner = "learner-" + strconv.Itoa(u)
		for s := range 50 {
			j := rng.IntN(2000)
			a.Item = "item-" + strconv.Itoa(j)
			a.Skills = skills[j%100 : j%100+1]
			a.Seq = int64(s)
			a.Independent = rng.IntN(2) == 0
			a.Supported = a.Independent || rng.IntN(2) == 0
			a.HintsUsed = int32(rng.IntN(2))
			log.Append(&a)
		}
	}
	return log
}

// BenchmarkFeatures1M writes the feature table of 1M attempts to Parquet
// (zpd features without --model, after the log is read).
func BenchmarkFeatures1M(b *testing.B) {
	log := benchLog(b)
	dir := b.TempDir()
	b.ResetTimer()
	cpu := cputime.Process()
	for range b.N {
		if _, err := WriteParquet(context.Background(), log, dir, 0.3, nil, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*log.Len())/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N*log.Len()), "cpu-ns/attempt")
}

// BenchmarkTable1M computes the features of 1M attempts without writing.
func BenchmarkTable1M(b *testing.B) {
	log := benchLog(b)
	var c Chunk
	b.ResetTimer()
	for range b.N {
		t := NewTable(log, 0.3, nil)
		for t.Next(&c, DefaultRowGroup) {
		}
	}
	b.ReportMetric(float64(b.N*log.Len())/b.Elapsed().Seconds(), "attempts/s")
}
