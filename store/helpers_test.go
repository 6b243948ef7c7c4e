package store

import (
	"context"
	"math"
	"testing"

	"github.com/zpd-project/zpd/store/storetest"
)

func forEachBackend(t *testing.T, test func(t *testing.T, dsn string)) { storetest.Each(t, test) }

// testCache is the history cache of the tests' stores: with one, every
// test checks the cache's answers too.
var testCache = Options{CacheBytes: 1 << 20}

func open(t *testing.T, dsn string) LearnerStore {
	t.Helper()
	s, err := Open(context.Background(), dsn, testCache)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// attempt returns a minimal attempt at item with event id ev.
func attempt(ev, item string, seq int64, independent, supported bool) Attempt {
	return Attempt{EventID: ev, Seq: seq, Item: item, Independent: independent, Supported: supported,
		HintsAvailable: -1, ResponseMS: math.NaN(), Difficulty: math.NaN()}
}
