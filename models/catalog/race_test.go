//go:build race

package catalog

// raceDetector is true when tests run with -race, which slows fitting
// several times over.
const raceDetector = true
