//go:build !unix

package assistments

import "time"

// cpuTime is unknown here; benchmarks then skip the rows/cpu-s metric.
func cpuTime() time.Duration { return 0 }
