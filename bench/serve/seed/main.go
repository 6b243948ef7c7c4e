// Command seed fills a learner store for bench/serve/learners.sh: each of
// -learners learners gets -history attempts at random items of the
// synthetic model bench/serve/gen writes (item-0 ... item-N), replacing
// whatever the store held for them, so every run starts from the same
// history lengths.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/zpd-project/zpd/store"
)

func main() {
	dsn := flag.String("store", "", "learner store: sqlite:PATH or postgres://...")
	learners := flag.Int("learners", 10000, "learners to seed (ids b0 ... bN)")
	history := flag.Int("history", 50, "attempts per learner")
	items := flag.Int("items", 10000, "items in the model")
	workers := flag.Int("workers", 4, "learners seeded at once")
	flag.Parse()
	if err := run(*dsn, *learners, *history, *items, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dsn string, learners, history, items, workers int) error {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			batch := make([]store.Attempt, history)
			for {
				u := int(next.Add(1) - 1)
				if u >= learners {
					return
				}
				id := "b" + strconv.Itoa(u)
				if _, err := st.Delete(ctx, id); err != nil {
					errs <- err
					return
				}
				for t := range batch {
					ind := rng.Float64() < 0.6
					batch[t] = store.Attempt{EventID: "seed-" + strconv.Itoa(t), Seq: int64(t + 1),
						Item: "item-" + strconv.Itoa(rng.IntN(items)), Independent: ind, Supported: ind || rng.Float64() < 0.6,
						HintsAvailable: -1, ResponseMS: math.NaN(), Difficulty: math.NaN()}
				}
				if _, _, err := st.Append(ctx, id, batch, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
