//go:build !unix

package batch

import "time"

// processCPU is unavailable here; the CPU-time metric then reads +Inf.
func processCPU() time.Duration { return 0 }
