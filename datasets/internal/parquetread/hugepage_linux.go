//go:build linux

package parquetread

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE.
const madvHugepage = 14

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// HugeSlice returns an empty slice with capacity n for a column about to
// be filled at once. When it spans a huge page it starts on a huge-page
// boundary and is advised to use transparent huge pages (where THP is in
// "madvise" mode): filling fresh memory otherwise takes a page fault
// every 4 KiB, which on virtual machines costs more than decoding the
// data. The skipped head of the allocation is never touched, so it costs
// address space, not memory.
func HugeSlice[T any](n int) []T {
	var zero T
	elem := unsafe.Sizeof(zero)
	if elem == 0 || uintptr(n)*elem < hugePage {
		return make([]T, 0, n)
	}
	buf := make([]T, 0, n+int(hugePage/elem))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	skip := (hugePage - base%hugePage) % hugePage
	if skip%elem != 0 { // not on an element boundary: keep buf as it is
		adviseHugePages(buf)
		return buf
	}
	k := int(skip / elem)
	s := buf[k : k : k+n]
	adviseHugePages(s)
	return s
}

// adviseHugePages asks the kernel to back the huge pages that s's memory
// spans with transparent huge pages. It is only advice: any failure is
// ignored and nothing about s changes.
func adviseHugePages[T any](s []T) {
	var zero T
	size := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if size < hugePage {
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
