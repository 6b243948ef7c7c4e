package parquetread

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// CheckFooter reads the footer of the Parquet file r (size bytes)
// and checks, before arrow-go decodes it, the sizes the decoders allocate
// by: every list in the footer must fit in the bytes left, and the
// schema's child counts must describe a tree of the listed elements. A
// root claiming 2^31-1 children otherwise ends the process in arrow-go's
// schema conversion (fatal error: out of memory), which no recover
// catches.
func CheckFooter(r io.ReaderAt, size int64) (err error) {
	const tail = 8 // footer length and "PAR1"
	if size < 4+tail {
		return fmt.Errorf("file too small (%d bytes)", size)
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil {
		return err
	}
	if !bytes.Equal(buf[4:], []byte("PAR1")) {
		return fmt.Errorf("no Parquet magic at the end")
	}
	n := int64(binary.LittleEndian.Uint32(buf[:4]))
	if n <= 0 || n > size-4-tail {
		return fmt.Errorf("footer length %d does not fit a %d-byte file", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-tail-n); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt footer: %v", r)
		}
	}()
	c := &compactReader{buf: footer}
	elements, children := int64(-1), []int64(nil)
	c.structFields(func(id int16, typ byte) {
		if id != 2 || typ != thriftList { // FileMetaData.schema
			c.skip(typ)
			return
		}
		count, _ := c.listHeader()
		elements = count
		for range count {
			c.structFields(func(id int16, typ byte) {
				if id == 5 && typ == thriftI32 { // SchemaElement.num_children
					children = append(children, c.varint())
					return
				}
				c.skip(typ)
			})
		}
	})
	if elements < 1 {
		return fmt.Errorf("footer has no schema")
	}
	var sum int64
	for _, k := range children {
		if k < 0 || k > elements-1 {
			return fmt.Errorf("schema element claims %d children of %d elements", k, elements)
		}
		sum += k
	}
	if sum != elements-1 {
		return fmt.Errorf("schema elements claim %d children in all, but the footer lists %d elements", sum, elements)
	}
	return nil
}

// Thrift compact protocol type codes.
const (
	thriftStop   = 0
	thriftTrue   = 1
	thriftFalse  = 2
	thriftByte   = 3
	thriftI16    = 4
	thriftI32    = 5
	thriftI64    = 6
	thriftDouble = 7
	thriftBinary = 8
	thriftList   = 9
	thriftSet    = 10
	thriftMap    = 11
	thriftStruct = 12
	thriftUUID   = 13
)

// compactReader walks Thrift compact-protocol bytes, panicking on any
// size that does not fit what is left.
type compactReader struct {
	buf   []byte
	pos   int
	depth int
}

func (c *compactReader) byte() byte {
	if c.pos >= len(c.buf) {
		panic("truncated")
	}
	b := c.buf[c.pos]
	c.pos++
	return b
}

func (c *compactReader) uvarint() uint64 {
	v, n := binary.Uvarint(c.buf[c.pos:])
	if n <= 0 {
		panic("bad varint")
	}
	c.pos += n
	return v
}

// varint reads a zigzag-encoded integer.
func (c *compactReader) varint() int64 {
	u := c.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// need panics unless n items of at least min bytes each fit in the rest.
func (c *compactReader) need(n int64, min int64) {
	if n < 0 || n*min > int64(len(c.buf)-c.pos) {
		panic(fmt.Sprintf("%d elements do not fit the %d bytes left", n, len(c.buf)-c.pos))
	}
}

// structFields calls field for each field header of a struct; field must
// consume the value.
func (c *compactReader) structFields(field func(id int16, typ byte)) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > 64 {
		panic("nested too deep")
	}
	var id int16
	for {
		h := c.byte()
		typ := h & 0x0f
		if typ == thriftStop {
			return
		}
		if delta := h >> 4; delta != 0 {
			id += int16(delta)
		} else {
			id = int16(c.varint())
		}
		field(id, typ)
	}
}

// listHeader reads a list or set header: its size and element type.
func (c *compactReader) listHeader() (int64, byte) {
	h := c.byte()
	n := int64(h >> 4)
	if n == 15 {
		n = int64(c.uvarint())
	}
	c.need(n, 1)
	return n, h & 0x0f
}

// skip consumes one value of type typ.
func (c *compactReader) skip(typ byte) {
	switch typ {
	case thriftTrue, thriftFalse:
	case thriftByte:
		c.byte()
	case thriftI16, thriftI32, thriftI64:
		c.uvarint()
	case thriftDouble, thriftUUID:
		n := int64(8)
		if typ == thriftUUID {
			n = 16
		}
		c.need(n, 1)
		c.pos += int(n)
	case thriftBinary:
		n := int64(c.uvarint())
		c.need(n, 1)
		c.pos += int(n)
	case thriftList, thriftSet:
		n, et := c.listHeader()
		for range n {
			if et == thriftTrue || et == thriftFalse {
				c.byte() // booleans in a list take a byte each
			} else {
				c.skip(et)
			}
		}
	case thriftMap:
		n := int64(c.uvarint())
		c.need(n, 2)
		if n == 0 {
			return
		}
		kv := c.byte()
		for range n {
			c.skip(kv >> 4)
			c.skip(kv & 0x0f)
		}
	case thriftStruct:
		c.structFields(func(_ int16, t byte) { c.skip(t) })
	default:
		panic(fmt.Sprintf("unknown type %d", typ))
	}
}
