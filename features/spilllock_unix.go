//go:build unix

package features

import (
	"os"
	"syscall"
)

// lockSpill takes an exclusive lock on the spill directory dir for as long
// as the returned file stays open. The kernel drops the lock when the
// process ends, however it ends, so a later run can tell a spill directory
// whose owner was killed (SIGKILL, a crash) from one still in use.
func lockSpill(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
