package simulate

import (
	"runtime"
	"sync"

	"github.com/zpd-project/zpd/datasets"
)

// batchAttempts is the rough number of attempts per batch of learners handed
// to a worker: large enough to amortise channel traffic, small enough to keep
// memory flat.
const batchAttempts = 8192

// batch is the attempts of consecutive learners, with the index of each
// attempt's item.
type batch struct {
	attempts []datasets.Attempt
	items    []int32
}

// run simulates every learner on cfg.Workers goroutines and calls emit with
// batches of learners in learner order, on the calling goroutine. Each
// learner draws from its own stream, so the batches do not depend on the
// number of workers. emit must not keep the batch. The first error from emit
// stops the simulation and is returned.
func (gen *generator) run(emit func(*batch) error) error {
	workers := gen.cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cfg := &gen.cfg
	perBatch := max(1, 2*batchAttempts/(cfg.MinAttempts+cfg.MaxAttempts))
	window := 2 * workers

	type job struct {
		first, end int
		done       chan *batch
	}
	jobs := make(chan job)
	// order holds the pending batches in learner order; its capacity bounds
	// how far the workers run ahead of emit.
	order := make(chan chan *batch, window)
	free := make(chan *batch, window+workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		for first := 0; first < cfg.Learners; first += perBatch {
			j := job{first, min(first+perBatch, cfg.Learners), make(chan *batch, 1)}
			select {
			case order <- j.done:
			case <-stop:
				return
			}
			select {
			case jobs <- j:
			case <-stop:
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			learned := make([]float64, cfg.Skills)
			for j := range jobs {
				var b *batch
				select {
				case b = <-free:
				default:
					b = &batch{
						attempts: make([]datasets.Attempt, 0, perBatch*cfg.MaxAttempts),
						items:    make([]int32, 0, perBatch*cfg.MaxAttempts),
					}
				}
				for i := j.first; i < j.end; i++ {
					gen.learner(i, learned, b)
				}
				j.done <- b
			}
		})
	}

	var err error
	for done := range order {
		b := <-done
		if err = emit(b); err != nil {
			break
		}
		b.attempts, b.items = b.attempts[:0], b.items[:0]
		select {
		case free <- b:
		default:
		}
	}
	close(stop)
	// Drain what the producer queued before it saw stop, so it can exit.
	for range order {
	}
	wg.Wait()
	return err
}
