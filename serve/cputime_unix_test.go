//go:build unix

package serve

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user plus system. On a
// shared machine it measures the server's cost where wall time cannot.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
