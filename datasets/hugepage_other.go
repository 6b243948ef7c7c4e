//go:build !linux

package datasets

// adviseHugePages is a no-op where transparent huge pages are unknown.
func adviseHugePages[T any](s []T) {}
