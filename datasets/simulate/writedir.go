package simulate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/zpd-project/zpd/datasets"
)

// chunkRows is the number of attempts simulated into one in-memory Log
// before it is handed to the Parquet writer (one row group each): small
// enough that encoding overlaps simulation, large enough for good
// compression.
const chunkRows = 1 << 18

// WriteDir simulates cfg into dir, creating it if needed: the attempt log in
// attempts.parquet (canonical schema) and the ground truth in
// learners.parquet, items.parquet and truth.json (the config, seed included,
// and the skills). Every file is written atomically, and attempts.parquet
// appears last, so its presence means the simulation is complete.
func WriteDir(cfg Config, dir string) (*Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	w, err := datasets.Create(filepath.Join(dir, AttemptsFile), datasets.WriteOptions{Groups: GroupNames(cfg)})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	defer w.Abort()
	gen := newGenerator(cfg)
	if err := gen.writeChunks(w); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if err := writeTruth(dir, gen.truth); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return gen.truth, nil
}

// errWriterFailed stops the simulation once the writer has failed; the
// writer's own error is returned instead.
var errWriterFailed = errors.New("writer failed")

// writeChunks simulates into Logs of at most chunkRows attempts and writes
// each full Log from a second goroutine while the next one fills, so Parquet
// encoding overlaps simulation.
func (gen *generator) writeChunks(w *datasets.Writer) error {
	full := make(chan *datasets.Log, 1)
	done := make(chan error, 1)
	var failed atomic.Bool
	go func() {
		var err error
		for l := range full {
			if err == nil {
				if err = w.WriteLog(l); err != nil {
					failed.Store(true)
				}
			}
		}
		done <- err
	}()
	remaining := int(gen.truth.Attempts)
	lb := newLogBuilder(gen.truth, min(chunkRows, remaining))
	err := gen.run(func(b *batch) error {
		if failed.Load() {
			return errWriterFailed
		}
		if n := lb.log.Len(); n > 0 && n+len(b.attempts) > chunkRows {
			full <- lb.log
			remaining -= n
			lb = newLogBuilder(gen.truth, min(chunkRows, remaining))
		}
		lb.add(b)
		return nil
	})
	if err == nil && lb.log.Len() > 0 {
		full <- lb.log
	}
	close(full)
	if werr := <-done; werr != nil {
		return werr
	}
	return err
}
