package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/zpd-project/zpd/internal/cputime"
)

// BenchmarkAppend appends one attempt to learners holding 50, as the
// stateful route does per request (SQLite; the server's scoring is not
// included), without and with the history cache.
func BenchmarkAppend(b *testing.B) {
	for _, cache := range []int64{0, 64 << 20} {
		b.Run(fmt.Sprint("cache=", cache), func(b *testing.B) { benchAppend(b, Options{CacheBytes: cache}) })
	}
}

func benchAppend(b *testing.B, opts Options) {
	s, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const learners = 200
	for u := range learners {
		var batch []Attempt
		for t := range 50 {
			batch = append(batch, attempt(fmt.Sprint("s", t), fmt.Sprint("item-", t), NoSeq, t%2 == 0, true))
		}
		if _, _, err := s.Append(ctx, fmt.Sprint("b", u), batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cputime.Process()
	defer func() { b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N)/1e3, "cpu-µs/op") }()
	for i := 0; b.Loop(); i++ {
		a := attempt(fmt.Sprint("n", i), "item-x", NoSeq, true, true)
		if _, _, err := s.Append(ctx, fmt.Sprint("b", i%learners), []Attempt{a}, func(l *Learner, added int) error {
			l.State.Served += int64(added)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
