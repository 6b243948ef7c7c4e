//go:build !unix

package report

// cpuSeconds is unavailable here; benchmarks report 0.
func cpuSeconds() float64 { return 0 }
