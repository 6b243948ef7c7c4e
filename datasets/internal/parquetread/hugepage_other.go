//go:build !linux

package parquetread

// HugeSlice returns an empty slice with capacity n; transparent huge pages
// are a Linux feature.
func HugeSlice[T any](n int) []T { return make([]T, 0, n) }
