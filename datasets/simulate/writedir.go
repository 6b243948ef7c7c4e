package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zpd-project/zpd/datasets"
)

// WriteDir simulates cfg into dir, creating it if needed: the attempt log in
// attempts.parquet (canonical schema) and the ground truth in
// learners.parquet, items.parquet and truth.json (the config, seed included,
// and the skills). Every file is written atomically, and attempts.parquet
// appears last, so its presence means the simulation is complete. When ctx
// is cancelled WriteDir stops within milliseconds, returns ctx's error and
// publishes nothing: no new file appears in dir, and a directory it created
// is removed again.
func WriteDir(ctx context.Context, cfg Config, dir string) (_ *Truth, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkOverwrite(dir); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if os.IsNotExist(statErr) {
		defer func() {
			if err != nil {
				// Only empty: the writers below remove their own temp files.
				os.Remove(dir)
			}
		}()
	}
	w, err := datasets.Create(filepath.Join(dir, AttemptsFile), datasets.WriteOptions{Groups: GroupNames(cfg)})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	defer w.Abort()
	gen := newGenerator(cfg)
	if err := gen.writeChunks(ctx, w); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if err := ctx.Err(); err != nil {
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

// checkOverwrite fails when dir holds a file WriteDir would replace that is
// not part of an earlier simulation: one is recognised by its truth.json.
func checkOverwrite(dir string) error {
	var doc truthJSON
	raw, err := os.ReadFile(filepath.Join(dir, TruthFile))
	earlier := err == nil && json.Unmarshal(raw, &doc) == nil && doc.Format == truthFormat
	for _, name := range []string{TruthFile, AttemptsFile, LearnersFile, ItemsFile} {
		path := filepath.Join(dir, name)
		if _, err := os.Lstat(path); err == nil && !earlier {
			return fmt.Errorf("%s exists and zpd simulate did not write it (no simulation truth.json beside it); refusing to overwrite it: choose another --out", path)
		}
	}
	return nil
}

// writeChunks simulates into w chunk by chunk; each chunk is encoded while
// the workers simulate the next.
func (gen *generator) writeChunks(ctx context.Context, w *datasets.Writer) error {
	return gen.run(ctx, chunkRows, func(c *chunk) error { return w.WriteLog(c.log) })
}
