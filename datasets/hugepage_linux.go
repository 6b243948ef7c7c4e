//go:build linux

package datasets

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE.
const madvHugepage = 14

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// adviseHugePages asks the kernel to back the memory of s with transparent
// huge pages where THP is in "madvise" mode. Filling a freshly allocated
// column of a large log otherwise takes a page fault every 4 KiB, which on
// virtual machines costs more than decoding the data. It is only advice:
// any failure is ignored and nothing about s changes.
func adviseHugePages[T any](s []T) {
	var zero T
	size := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if size < 2*hugePage {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))
	skip := (hugePage - uintptr(base)%hugePage) % hugePage
	n := (size - skip) / hugePage * hugePage
	if n == 0 {
		return
	}
	syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, skip)), n), madvHugepage)
}
