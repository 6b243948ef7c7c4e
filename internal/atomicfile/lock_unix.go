//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

// lock marks f as a write in progress: an exclusive flock held until the
// file is closed (or the process ends, however it ends).
func lock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// abandoned reports whether the temporary file at path belongs to no
// write in progress: nobody holds its lock.
func abandoned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
