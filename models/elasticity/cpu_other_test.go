//go:build !unix

package elasticity

import "math"

func peakRSSMB() float64 { return math.NaN() }
