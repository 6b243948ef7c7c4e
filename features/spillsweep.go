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
// spillGrace. A directory it cannot judge (no locks on this platform)
// stays.
func sweepSpills(dir string, now time.Time) {
	paths, _ := filepath.Glob(filepath.Join(dir, spillPrefix+"*"))
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil || !info.IsDir() || now.Sub(info.ModTime()) < spillGrace {
			continue
		}
		lock, err := lockSpill(p)
		if err != nil {
			continue // in use by a running write, or no locks here
		}
		os.RemoveAll(p)
		lock.Close()
	}
}
