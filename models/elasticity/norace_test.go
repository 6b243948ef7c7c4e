//go:build !race

package elasticity_test

const raceEnabled = false
