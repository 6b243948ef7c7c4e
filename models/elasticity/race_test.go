//go:build race

package elasticity_test

// raceEnabled is true under the race detector, which slows the baselines'
// fits tenfold; the accuracy test then fits the elasticity model alone.
const raceEnabled = true
