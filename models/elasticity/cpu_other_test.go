//go:build !unix

package elasticity

import "math"

func cpuSeconds() float64 { return math.NaN() }

func peakRSSMB() float64 { return math.NaN() }
