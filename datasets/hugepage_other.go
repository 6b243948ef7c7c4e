//go:build !linux

package datasets

// hugeSlice returns an empty slice with capacity n; transparent huge pages
// are a Linux feature.
func hugeSlice[T any](n int) []T { return make([]T, 0, n) }
