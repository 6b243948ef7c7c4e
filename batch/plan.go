package batch

import (
	"fmt"
	"strconv"

	"github.com/zpd-project/zpd/datasets"
)

// Memory the plan sets aside, outside the part being scored: the Reader's
// decoded batch and Parquet buffers, the output row groups, the chunks in
// flight and the Go runtime.
const (
	reserveBytes = 80 << 20
	// spillBufferBytes is the write buffer of each spill file; with many
	// parts it shrinks so that all buffers together take a tenth of the
	// budget.
	spillBufferBytes = 64 << 10
	minSpillBuffer   = 4 << 10
)

// MinMemoryBudget is the smallest budget a run accepts.
const MinMemoryBudget = 2 * reserveBytes

// FormatBytes writes n in the units memory budgets are given in (KB, MB,
// GB as powers of 1024), so an error can say the minimum as the user would
// write it.
func FormatBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if n >= u.size {
			return strconv.FormatFloat(float64(n)/float64(u.size), 'g', 4, 64) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// estimateRows returns the number of attempts in the log at path: exact
// for Parquet (from the file footers, which datasets.CountRows checks
// against their column chunks), and for Arrow IPC files an upper estimate
// of one attempt per 4 bytes, so that a part is never planned larger than
// the budget allows.
func estimateRows(path string) (int64, error) {
	c, err := datasets.CountRows(path)
	if err != nil {
		return 0, err
	}
	rows := c.Rows
	if c.UncountedBytes > 0 {
		rows += c.UncountedBytes/4 + 1
	}
	return rows, nil
}

// maxPartAttempts caps a part's size whatever the budget. Scoring through
// spill files in parts of this size measured faster than one large
// in-memory part (10M attempts: 5.9 CPU-s in 6 parts against 7.7 to 9.6 in
// one): the parts reuse one set of columns, while a single large part
// faults in fresh memory for every attempt (4× the page faults).
const maxPartAttempts = 1 << 21

// planParts returns how many parts a shard of a log of rows attempts needs
// so that each part's attempts fit in budget bytes: learners spread evenly
// over shards and parts (the hash sees to that), with a tenth of the
// headroom kept for hash imbalance. Parts hold at most maxPartAttempts.
func planParts(rows int64, shard Shard, budget int64) int {
	perPart := min((budget-reserveBytes)*9/10/bytesPerAttempt, maxPartAttempts)
	shardRows := (rows + int64(shard.Count) - 1) / int64(shard.Count)
	return int(max(1, (shardRows+perPart-1)/perPart))
}

// maxParts bounds a shard's parts: spilling keeps one file open per part.
// At maxPartAttempts each that is 8.6 billion attempts per shard.
const maxParts = 1 << 12

// checkParts fails when a shard needs more than maxParts parts, rather
// than opening that many files or planning from a count no log can hold.
func checkParts(parts int, rows int64) error {
	if parts > maxParts {
		return fmt.Errorf("the log records %d attempts, which need %d parts at this memory budget, more than the %d one run holds: score it in shards (--shard) or raise the memory budget", rows, parts, maxParts)
	}
	return nil
}

// spillBuffer returns the write buffer size per spill file.
func spillBuffer(parts int, budget int64) int {
	return int(max(minSpillBuffer, min(spillBufferBytes, budget/10/int64(parts))))
}
