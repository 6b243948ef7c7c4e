//go:build !unix

package cputime

import "time"

// Process is unavailable on this platform and returns 0.
func Process() time.Duration { return 0 }
