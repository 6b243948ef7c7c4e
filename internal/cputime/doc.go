// Package cputime reads the process's CPU time, which benchmarks report
// beside wall time: on a shared machine it measures a run's cost where wall
// time cannot.
package cputime
