package features

import (
	"os"
	"path/filepath"
	"time"
)

// spillPrefix names the temporary directories of a streamed write.
const spillPrefix = ".spill-"

// spillGrace is how old a spill directory must be before a sweep may take
// it: a run holds its lock from a moment after creating the directory.
const spillGrace = 10 * time.Second

// sweepSpills removes the spill directories in dir that a killed run left
// behind: those nobody holds the lock of and that are older than
// spillGrace. It returns how many it removed; a directory it cannot judge
// stays.
func sweepSpills(dir string, now time.Time) int {
	if !spillLocking {
		return 0
	}
	paths, _ := filepath.Glob(filepath.Join(dir, spillPrefix+"*"))
	removed := 0
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil || !info.IsDir() || now.Sub(info.ModTime()) < spillGrace {
			continue
		}
		lock, err := lockSpill(p)
		if err != nil {
			continue // in use by a running write
		}
		if os.RemoveAll(p) == nil {
			removed++
		}
		lock.Close()
	}
	return removed
}
