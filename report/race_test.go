//go:build race

package report

// raceDetector is true under -race, which slows fitting several times over.
const raceDetector = true
