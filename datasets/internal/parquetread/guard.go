package parquetread

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
)

// The Arrow and Parquet readers trust sizes stored in the file: a corrupt
// length can ask for tens of gigabytes, and the Go runtime ends the process
// on an allocation it cannot satisfy, which no recover catches. The guards
// here check such sizes before the libraries see them.

// fileAllocator is the allocator readers give the Arrow and Parquet
// libraries for one file. It refuses allocations larger than limit with a
// panic, which the caller's recover turns into an error naming the file. It also
// recycles the buffers the libraries free: decoding a large file otherwise
// allocates hundreds of megabytes of short-lived batch buffers, each first
// touch of fresh memory costing a page fault and the garbage a GC cycle.
type fileAllocator struct {
	limit int
	mu    sync.Mutex
	free  map[int][][]byte // freed buffers by capacity (a power of two)
	kept  int              // bytes held in free
}

// NewAllocator returns an allocator for reading a file of size
// bytes: no single buffer may exceed 256 MiB plus 64 times the file size,
// far above what a valid file's pages and batches need.
func NewAllocator(size int64) memory.Allocator {
	limit := int64(256<<20) + 64*size
	return &fileAllocator{limit: int(min(limit, 1<<40)), free: map[int][][]byte{}}
}

const (
	allocAlign   = 64       // Arrow's buffer alignment
	minPooled    = 1 << 12  // smaller buffers are left to the Go allocator
	maxKeptBytes = 64 << 20 // recycled bytes held at most
)

func (a *fileAllocator) check(size int) {
	if size < 0 || size > a.limit {
		panic(fmt.Sprintf("buffer of %d bytes requested (corrupt size field)", size))
	}
}

// Allocate returns a zeroed, 64-byte aligned buffer of size bytes.
func (a *fileAllocator) Allocate(size int) []byte {
	a.check(size)
	class := max(minPooled, 1<<bits.Len(uint(max(size-1, 0))))
	if b := a.take(class); b != nil {
		b = b[:size]
		clear(b)
		return b
	}
	buf := make([]byte, class+allocAlign)
	off := 0
	if r := uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % allocAlign; r != 0 {
		off = int(allocAlign - r)
	}
	return buf[off : off+size : off+class]
}

// Reallocate resizes b, in place when its capacity allows.
func (a *fileAllocator) Reallocate(size int, b []byte) []byte {
	a.check(size)
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free keeps b for reuse if it came from Allocate and there is room.
func (a *fileAllocator) Free(b []byte) {
	c := cap(b)
	if c < minPooled || c&(c-1) != 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kept+c > maxKeptBytes {
		return
	}
	a.free[c] = append(a.free[c], b[:c])
	a.kept += c
}

func (a *fileAllocator) take(class int) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	list := a.free[class]
	if len(list) == 0 {
		return nil
	}
	b := list[len(list)-1]
	a.free[class] = list[:len(list)-1]
	a.kept -= class
	return b
}

// ipcMagic starts and ends an Arrow IPC file.
var ipcMagic = []byte("ARROW1")

// CheckIPCFooter verifies that the vectors and strings of an IPC file's
// footer (its schema and batch index) lie within the footer, so that the
// IPC reader does not allocate from a corrupt length.
func CheckIPCFooter(f *os.File, size int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt footer: %v", r)
		}
	}()
	tail := int64(len(ipcMagic) + 4)
	if size < 2*tail {
		return fmt.Errorf("file too small (%d bytes)", size)
	}
	buf := make([]byte, tail)
	if _, err := f.ReadAt(buf, size-tail); err != nil {
		return err
	}
	if !bytes.Equal(buf[4:], ipcMagic) {
		return fmt.Errorf("no Arrow IPC magic at the end")
	}
	n := int64(binary.LittleEndian.Uint32(buf[:4]))
	if n <= 0 || n > size-tail-8 {
		return fmt.Errorf("footer length %d does not fit a %d-byte file", n, size)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-tail-n); err != nil {
		return err
	}
	c := fbCheck{buf: footer}
	root := c.table(flatbuffers.GetUOffsetT(footer))
	if schema, ok := c.child(root, 1); ok {
		c.schema(schema)
	}
	c.vector(root, 2, 24) // dictionary blocks
	c.vector(root, 3, 24) // record batch blocks
	c.tables(root, 4, c.keyValue)
	return nil
}

// fbCheck walks flatbuffer tables and panics on any vector or table that
// lies outside the buffer.
type fbCheck struct {
	buf   []byte
	depth int
}

func (c *fbCheck) table(pos flatbuffers.UOffsetT) flatbuffers.Table {
	if int(pos)+4 > len(c.buf) {
		panic(fmt.Sprintf("table at %d beyond %d bytes", pos, len(c.buf)))
	}
	t := flatbuffers.Table{Bytes: c.buf, Pos: pos}
	vt := int(pos) - int(flatbuffers.GetSOffsetT(c.buf[pos:]))
	if vt < 0 || vt+4 > len(c.buf) || vt+int(flatbuffers.GetVOffsetT(c.buf[vt:])) > len(c.buf) {
		panic(fmt.Sprintf("vtable of table at %d out of bounds", pos))
	}
	return t
}

// child returns the table in field slot of t.
func (c *fbCheck) child(t flatbuffers.Table, slot int) (flatbuffers.Table, bool) {
	o := t.Offset(flatbuffers.VOffsetT(4 + 2*slot))
	if o == 0 {
		return flatbuffers.Table{}, false
	}
	return c.table(t.Indirect(flatbuffers.UOffsetT(o) + t.Pos)), true
}

// vector checks the vector in field slot of t, with elements of elem
// bytes, and returns its start and length.
func (c *fbCheck) vector(t flatbuffers.Table, slot, elem int) (flatbuffers.UOffsetT, int) {
	o := t.Offset(flatbuffers.VOffsetT(4 + 2*slot))
	if o == 0 {
		return 0, 0
	}
	at := int(t.Pos) + int(o)
	if at+4 > len(c.buf) {
		panic("vector offset out of bounds")
	}
	vec := at + int(flatbuffers.GetUOffsetT(c.buf[at:]))
	if vec+4 > len(c.buf) || vec < 0 {
		panic("vector out of bounds")
	}
	n := int(flatbuffers.GetUOffsetT(c.buf[vec:]))
	if n < 0 || vec+4+n*elem > len(c.buf) {
		panic(fmt.Sprintf("vector of %d elements does not fit the footer", n))
	}
	return flatbuffers.UOffsetT(vec + 4), n
}

// tables checks the vector of tables in field slot of t, and each table.
func (c *fbCheck) tables(t flatbuffers.Table, slot int, each func(flatbuffers.Table)) {
	start, n := c.vector(t, slot, 4)
	for i := 0; i < n; i++ {
		p := start + flatbuffers.UOffsetT(4*i)
		each(c.table(p + flatbuffers.GetUOffsetT(c.buf[p:])))
	}
}

func (c *fbCheck) keyValue(t flatbuffers.Table) {
	c.vector(t, 0, 1)
	c.vector(t, 1, 1)
}

func (c *fbCheck) schema(t flatbuffers.Table) {
	c.tables(t, 1, c.field)
	c.tables(t, 2, c.keyValue)
	c.vector(t, 3, 8)
}

// Arrow flatbuffer type tags whose tables hold vectors or strings.
const (
	fbTypeTimestamp = 10
	fbTypeUnion     = 14
)

func (c *fbCheck) field(t flatbuffers.Table) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > 64 {
		panic("fields nested too deep")
	}
	c.vector(t, 0, 1) // name
	if typ, ok := c.child(t, 3); ok {
		switch t.GetByteSlot(flatbuffers.VOffsetT(4+2*2), 0) {
		case fbTypeTimestamp:
			c.vector(typ, 1, 1) // timezone
		case fbTypeUnion:
			c.vector(typ, 1, 4) // type ids
		}
	}
	c.child(t, 4) // dictionary encoding
	c.tables(t, 5, c.field)
	c.tables(t, 6, c.keyValue)
}
