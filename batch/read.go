package batch

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/zpd-project/zpd/datasets"
)

// progressEvery is how many rows pass between read progress reports.
const progressEvery = 1 << 18

// eachBatch streams the log, resolving each batch for r's model and plan,
// and calls fn with it. The Reader decodes the next batch on its own
// goroutine while fn handles the current one: reading is the longest
// stage and would otherwise leave the second core idle.
func (r *run) eachBatch(ctx context.Context, stage string, fn func(*recordBatch) error) error {
	rd, err := datasets.Open(r.cfg.In, datasets.ReadOptions{Columns: readColumns})
	if err != nil {
		return err
	}
	defer rd.Close()
	res, err := newResolver(r.model, placement{shard: r.key.Shard, parts: r.key.Parts}, rd.Schema())
	if err != nil {
		return err
	}
	recs := make(chan arrow.RecordBatch, readAhead)
	stop := make(chan struct{})
	go func() {
		defer close(recs)
		for rd.Next() {
			rec := rd.Record()
			rec.Retain()
			select {
			case recs <- rec:
			case <-stop:
				rec.Release()
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for rec := range recs {
			rec.Release()
		}
	}()
	var reported int64
	r.report(Progress{Stage: stage, Total: r.rows})
	for rec := range recs {
		err := r.handle(ctx, res, rec, fn)
		rec.Release()
		if err != nil {
			return err
		}
		if r.read-reported >= progressEvery {
			reported = r.read
			r.report(Progress{Stage: stage, Done: r.read, Total: max(r.rows, r.read)})
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	r.inShard, r.unknown = res.inShard, UnknownCounts{Attempts: res.unknown, Items: int64(len(res.unknownItems))}
	r.report(Progress{Stage: stage, Done: r.read, Total: r.read})
	return nil
}

// readAhead is how many decoded batches may wait for eachBatch's fn.
const readAhead = 4

// handle resolves one batch and passes it to fn.
func (r *run) handle(ctx context.Context, res *resolver, rec arrow.RecordBatch, fn func(*recordBatch) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := res.resolve(rec)
	if err != nil {
		return err
	}
	r.read += int64(b.n)
	return fn(b)
}

// readCohort reads the shard's attempts into memory (the plan has one part).
func (r *run) readCohort(ctx context.Context) (*cohort, error) {
	shardRows := r.rows / int64(r.key.Shard.Count)
	// Room for the estimate plus an imbalance margin; simulated and
	// real logs average one to two skills an attempt.
	c := newCohort(int(shardRows+shardRows/16), int(shardRows+shardRows/2))
	var learnerOf []int32
	err := r.eachBatch(ctx, "read", func(b *recordBatch) error {
		learnerOf, _ = b.addTo(c, 0, learnerOf)
		return nil
	})
	return c, err
}

// spill partitions the shard's attempts of the parts in todo into spill
// files in dir.
func (r *run) spill(ctx context.Context, dir string, todo []bool) (*spiller, error) {
	sp, err := newSpiller(dir, placement{shard: r.key.Shard, parts: r.key.Parts}, todo, spillBuffer(r.key.Parts, r.cfg.MemoryBudget))
	if err != nil {
		return nil, err
	}
	err = r.eachBatch(ctx, "spill", func(b *recordBatch) error {
		_, err := sp.add(b)
		return err
	})
	if err != nil {
		sp.close()
		return nil, err
	}
	return sp, sp.finish()
}
