package batch

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"

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
// for Parquet (from the file footers), and for Arrow IPC files an upper
// estimate of one attempt per 4 bytes, so that a part is never planned
// larger than the budget allows.
func estimateRows(path string) (int64, error) {
	var rows int64
	add := func(p string) error {
		format, err := datasets.FormatOf(p)
		if err != nil {
			return nil // not a log file; the Reader skips it too
		}
		if format != datasets.FormatParquet {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			rows += info.Size()/4 + 1
			return nil
		}
		pf, err := file.OpenParquetFile(p, false)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rows += pf.NumRows()
		return pf.Close()
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !info.IsDir() {
		return rows, add(path)
	}
	// Walk as the Reader does: hidden and _-prefixed names are skipped.
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != path && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		return add(p)
	})
	return rows, err
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

// spillBuffer returns the write buffer size per spill file.
func spillBuffer(parts int, budget int64) int {
	return int(max(minSpillBuffer, min(spillBufferBytes, budget/10/int64(parts))))
}
