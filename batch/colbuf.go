package batch

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The output tables are filled through these column buffers rather than
// Arrow builders: a row group's values go into Go slices that are wrapped
// as Arrow arrays without copying, written, and then reused for the next
// row group. Builders would allocate fresh buffers for every row group,
// which made most of the scoring stage's garbage.

// column is an output column: it appends to its buffers, and builds an
// Arrow array over them that is valid until the next reset.
type column interface {
	array() arrow.Array
	reset()
}

// wrap returns a buffer over b without copying.
func wrap(b []byte) *memory.Buffer { return memory.NewBufferBytes(b) }

// stringColumn holds utf8 values as offsets and bytes.
type stringColumn struct {
	offsets []int32
	data    []byte
}

func (c *stringColumn) append(s string) {
	if len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
	c.data = append(c.data, s...)
	c.offsets = append(c.offsets, int32(len(c.data)))
}

func (c *stringColumn) array() arrow.Array {
	if len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
	n := len(c.offsets) - 1
	d := array.NewData(arrow.BinaryTypes.String, n,
		[]*memory.Buffer{nil, wrap(arrow.Int32Traits.CastToBytes(c.offsets)), wrap(c.data)}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func (c *stringColumn) reset() { c.offsets, c.data = c.offsets[:0], c.data[:0] }

// float64Column holds float64 values, with nulls marked in a validity
// bitmap when nullable.
type float64Column struct {
	v        []float64
	valid    bitmap
	nullable bool
}

func (c *float64Column) append(v float64) {
	if c.nullable {
		c.valid.set(len(c.v), true)
	}
	c.v = append(c.v, v)
}

func (c *float64Column) appendNull() {
	c.valid.set(len(c.v), false)
	c.v = append(c.v, 0)
}

func (c *float64Column) array() arrow.Array {
	valid, nulls := c.valid.buffer(c.nullable)
	d := array.NewData(arrow.PrimitiveTypes.Float64, len(c.v),
		[]*memory.Buffer{valid, wrap(arrow.Float64Traits.CastToBytes(c.v))}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func (c *float64Column) reset() {
	c.v = c.v[:0]
	c.valid.reset()
}

// bitmap is an Arrow validity bitmap and its count of nulls.
type bitmap struct {
	bits  []byte // bit i set: value i is not null
	nulls int
}

func (b *bitmap) set(i int, ok bool) {
	if i/8 >= len(b.bits) {
		b.bits = append(b.bits, 0)
	}
	if ok {
		b.bits[i/8] |= 1 << (i % 8)
	} else {
		b.nulls++
	}
}

// buffer returns the bitmap for a column (nil when it has no nulls) and the
// null count.
func (b *bitmap) buffer(nullable bool) (*memory.Buffer, int) {
	if !nullable || b.nulls == 0 {
		return nil, 0
	}
	return wrap(b.bits), b.nulls
}

func (b *bitmap) reset() {
	clear(b.bits)
	b.bits, b.nulls = b.bits[:0], 0
}

// int64Column holds int64 values, or timestamps of type typ with nulls
// marked in a validity bitmap when nullable.
type int64Column struct {
	typ      arrow.DataType
	v        []int64
	valid    bitmap
	nullable bool
}

func (c *int64Column) append(v int64) {
	if c.nullable {
		c.valid.set(len(c.v), true)
	}
	c.v = append(c.v, v)
}

func (c *int64Column) appendNull() {
	c.valid.set(len(c.v), false)
	c.v = append(c.v, 0)
}

func (c *int64Column) array() arrow.Array {
	valid, nulls := c.valid.buffer(c.nullable)
	d := array.NewData(c.typ, len(c.v), []*memory.Buffer{valid, wrap(arrow.Int64Traits.CastToBytes(c.v))}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func (c *int64Column) reset() {
	c.v = c.v[:0]
	c.valid.reset()
}
