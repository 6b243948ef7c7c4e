package ingest

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/zpd-project/zpd/datasets"
)

// Emitter hands an importer's attempts to the caller's emit, counting them
// in the summary and checking the context every 4096 attempts.
type Emitter struct {
	ctx  context.Context
	emit func(*datasets.Attempt) error
	sum  *datasets.ImportSummary
	name string // the file, for errors
	seq  string // what Attempt.Seq holds, for errors: "seq", "order_id"
}

// NewEmitter returns an Emitter for the import of file name; seq names
// what the attempts' Seq holds in its errors.
func NewEmitter(ctx context.Context, name, seq string, sum *datasets.ImportSummary, emit func(*datasets.Attempt) error) *Emitter {
	return &Emitter{ctx: ctx, emit: emit, sum: sum, name: name, seq: seq}
}

// Emit passes a on. An error from emit comes back naming the file, the
// learner and the attempt; a cancelled context stops the import.
func (e *Emitter) Emit(a *datasets.Attempt) error {
	if err := e.emit(a); err != nil {
		return fmt.Errorf("%s: attempt of learner %s, %s %d: %w", e.name, a.Learner, e.seq, a.Seq, err)
	}
	e.sum.AttemptsWritten++
	if e.sum.AttemptsWritten&0xfff == 0 {
		return e.ctx.Err()
	}
	return nil
}

// Timed is the part of a parsed row that orders a learner's attempts in
// exports with one row per attempt (ASSISTments 2017, DataShop).
type Timed struct {
	StartMS int64  // start time, Unix milliseconds
	Tie     int64  // breaks equal times: the export's row or action number, else the row's index
	Hash    uint64 // of the raw record: rows with equal StartMS, Tie and Hash are duplicates
}

// EachInTime calls each with every learner's rows (order and start as
// ByLearner returns them) in time order: StartMS, then Tie, then file
// order, numbering them from 0 with seq. A row that repeats an earlier one
// exactly (same StartMS, Tie and Hash) is skipped and counted in sum as a
// duplicate, collapsed row.
func EachInTime[T any](rows *Rows[T], timed func(*T) *Timed, order, start []int32, sum *datasets.ImportSummary, each func(r *T, seq int64) error) error {
	byTime := func(x, y int32) int {
		a, b := timed(rows.At(x)), timed(rows.At(y))
		if c := cmp.Compare(a.StartMS, b.StartMS); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Tie, b.Tie); c != 0 {
			return c
		}
		return cmp.Compare(x, y) // file order; faster than a stable sort
	}
	for k := range len(start) - 1 {
		learner := order[start[k]:start[k+1]]
		if !slices.IsSortedFunc(learner, byTime) {
			slices.SortFunc(learner, byTime)
		}
		var seq int64
		for j, i := range learner {
			if duplicate(rows, timed, learner, j) {
				sum.DuplicateRows++
				sum.RowsCollapsed++
				continue
			}
			if err := each(rows.At(i), seq); err != nil {
				return err
			}
			seq++
		}
	}
	return nil
}

// duplicate reports whether row learner[j] repeats an earlier row with the
// same order key (exact duplicates sort next to each other).
func duplicate[T any](rows *Rows[T], timed func(*T) *Timed, learner []int32, j int) bool {
	r := timed(rows.At(learner[j]))
	for e := j - 1; e >= 0; e-- {
		p := timed(rows.At(learner[e]))
		if p.StartMS != r.StartMS || p.Tie != r.Tie {
			return false
		}
		if p.Hash == r.Hash {
			return true
		}
	}
	return false
}
