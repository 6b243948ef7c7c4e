//go:build unix

package cputime

import "testing"

func TestProcessGrowsWithWork(t *testing.T) {
	before := Process()
	x := 0.0
	for i := range 20_000_000 {
		x += float64(i)
	}
	if after := Process(); after <= before || x == 0 {
		t.Fatalf("CPU time did not grow: %v -> %v", before, after)
	}
}
