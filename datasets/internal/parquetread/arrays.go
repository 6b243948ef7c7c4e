package parquetread

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The decoders here turn the Arrow arrays pqarrow (or an Arrow IPC file)
// yields for one column into plain Go slices. They know value types, not
// the attempt-log schema: the caller says whether a column may hold nulls
// and what a null becomes, and hears of each flawed row through Flaws.

// Flaw is what is wrong with one row's value.
type Flaw uint8

// Flaws a decoder reports.
const (
	// Null is a null in a column that may not hold one.
	Null Flaw = iota + 1
	// Negative is a negative count.
	Negative
	// OutOfRange is a count beyond the int32 range.
	OutOfRange
)

// Flaws receives the flawed rows of one decoded array or batch; row is
// the row within it.
type Flaws func(row int, f Flaw)

// dictKey identifies a dictionary's storage.
type dictKey struct {
	data *byte
	n    int
}

func keyOf(dict arrow.Array) dictKey {
	bufs := dict.Data().Buffers()
	if len(bufs) < 3 || bufs[2] == nil || bufs[2].Len() == 0 || bufs[1] == nil {
		return dictKey{}
	}
	return dictKey{data: &bufs[2].Bytes()[0], n: dict.Len()}
}

// IDRemap maps a string column's values to the caller's interned indexes.
// For dictionary arrays it interns each dictionary entry once and then
// maps rows by index, so a row costs an array load rather than a string
// hash; the mapping is reused while consecutive batches share a
// dictionary.
type IDRemap struct {
	key   dictKey
	remap []int32
}

// IDs writes the interned index of each value of arr to dst; nulls are
// interned as "" (which the caller's row checks report). intern must copy
// a string it keeps: Arrow strings point into column buffers.
func (r *IDRemap) IDs(arr arrow.Array, intern func(string) int32, dst []int32) error {
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := a.Dictionary()
		if k := keyOf(dict); k.data == nil || k != r.key {
			r.remap = internAll(dict, intern, r.remap[:0])
			r.key = k
		}
		remap := r.remap
		if a.NullN() > 0 {
			// Null rows may hold any index, even into an empty dictionary.
			empty := intern("")
			for i := range dst {
				if a.IsValid(i) {
					dst[i] = remap[a.GetValueIndex(i)]
				} else {
					dst[i] = empty
				}
			}
			return nil
		}
		if ix, ok := a.Indices().(*array.Int32); ok {
			for i, v := range ix.Int32Values() {
				dst[i] = remap[v]
			}
		} else {
			for i := range dst {
				dst[i] = remap[a.GetValueIndex(i)]
			}
		}
	case *array.String:
		internEach(a.Len(), a.Value, intern, dst)
	case *array.LargeString:
		internEach(a.Len(), a.Value, intern, dst)
	default:
		return fmt.Errorf("unexpected id array type %s", arr.DataType())
	}
	if arr.NullN() > 0 {
		empty := intern("")
		for i := range dst {
			if arr.IsNull(i) {
				dst[i] = empty
			}
		}
	}
	return nil
}

// internAll interns every entry of a string dictionary, returning the map
// from dictionary index to the caller's index.
func internAll(dict arrow.Array, intern func(string) int32, remap []int32) []int32 {
	value := stringGetter(dict)
	for k := 0; k < dict.Len(); k++ {
		s := ""
		if dict.IsValid(k) {
			s = value(k)
		}
		remap = append(remap, intern(s))
	}
	return remap
}

// internEach interns n plain string values; runs of one value (a learner's
// rows) cost a string compare.
func internEach(n int, value func(int) string, intern func(string) int32, dst []int32) {
	prev, prevIdx := "", int32(-1)
	for i := 0; i < n; i++ {
		s := value(i)
		if prevIdx >= 0 && s == prev {
			dst[i] = prevIdx
			continue
		}
		prevIdx = intern(s)
		prev = s
		dst[i] = prevIdx
	}
}

// stringGetter returns the value accessor of a string array.
func stringGetter(arr arrow.Array) func(int) string {
	switch a := arr.(type) {
	case *array.String:
		return a.Value
	case *array.LargeString:
		return a.Value
	}
	panic(fmt.Sprintf("dictionary values of type %s, want string", arr.DataType()))
}

// IDLists appends the values of a list-of-ids array to values (interned
// through r) and each row's end offset in values to ends. A null list is
// empty and reported Null.
func (r *IDRemap) IDLists(arr arrow.Array, intern func(string) int32, values, ends []int32, flaws Flaws) ([]int32, []int32, error) {
	var (
		offsets func(i int) (int, int)
		list    arrow.Array
	)
	switch a := arr.(type) {
	case *array.List:
		offsets = func(i int) (int, int) { s, e := a.ValueOffsets(i); return int(s), int(e) }
		list = a.ListValues()
	case *array.LargeList:
		offsets = func(i int) (int, int) { s, e := a.ValueOffsets(i); return int(s), int(e) }
		list = a.ListValues()
	default:
		return values, ends, fmt.Errorf("unexpected list array type %s", arr.DataType())
	}
	n := arr.Len()
	if n == 0 {
		return values, ends, nil
	}
	first, _ := offsets(0)
	_, last := offsets(n - 1)
	base := len(values)
	values = grow(values, base+last-first)[:base+last-first]
	if last > first {
		vals := array.NewSlice(list, int64(first), int64(last))
		err := r.IDs(vals, intern, values[base:])
		vals.Release()
		if err != nil {
			return values, ends, err
		}
	}
	nulls := arr.NullN() > 0
	for i := 0; i < n; i++ {
		s, e := offsets(i)
		if nulls && arr.IsNull(i) {
			flaws(i, Null)
			e = s
		}
		ends = append(ends, int32(base+e-first))
	}
	return values, ends, nil
}

// integer is the integer types count and sequence columns may have in a
// file.
type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

// convertInts converts the values of an integer array into dst and
// returns the smallest and largest; ok is false for other arrays.
func convertInts[D int32 | int64](arr arrow.Array, dst []D) (lo, hi int64, ok bool) {
	switch a := arr.(type) {
	case *array.Int8:
		lo, hi = copyInts(dst, a.Int8Values())
	case *array.Int16:
		lo, hi = copyInts(dst, a.Int16Values())
	case *array.Int32:
		lo, hi = copyInts(dst, a.Int32Values())
	case *array.Int64:
		lo, hi = copyInts(dst, a.Int64Values())
	case *array.Uint8:
		lo, hi = copyInts(dst, a.Uint8Values())
	case *array.Uint16:
		lo, hi = copyInts(dst, a.Uint16Values())
	case *array.Uint32:
		lo, hi = copyInts(dst, a.Uint32Values())
	default:
		return 0, 0, false
	}
	return lo, hi, true
}

// copyInts converts src into dst and returns the smallest and largest value
// seen, so callers check ranges without a second pass when all is well.
func copyInts[D int32 | int64, S integer](dst []D, src []S) (lo, hi int64) {
	if len(src) == 0 {
		return 0, 0
	}
	lo, hi = int64(src[0]), int64(src[0])
	for i, v := range src {
		x := int64(v)
		lo, hi = min(lo, x), max(hi, x)
		dst[i] = D(v)
	}
	return lo, hi
}

// Ints decodes an integer column into dst, reporting nulls unless
// nullable; ok is false when arr is not an integer array.
func Ints(arr arrow.Array, dst []int64, nullable bool, flaws Flaws) (ok bool) {
	if _, _, ok := convertInts(arr, dst); !ok {
		return false
	}
	reportNulls(arr, nullable, flaws)
	return true
}

// Counts decodes a count column into dst: nulls become unknown where the
// column is nullable and are reported elsewhere (as 0); negative and
// oversized counts are reported. ok is false when arr is not an integer
// array.
func Counts(arr arrow.Array, dst []int32, nullable bool, unknown int32, flaws Flaws) (ok bool) {
	var tmp []int64
	wide := arr.DataType().ID() == arrow.INT64 || arr.DataType().ID() == arrow.UINT32
	var lo, hi int64
	if wide {
		tmp = make([]int64, len(dst))
		lo, hi, ok = convertInts(arr, tmp)
		for i, v := range tmp {
			dst[i] = int32(v)
		}
	} else {
		lo, hi, ok = convertInts(arr, dst)
	}
	if !ok {
		return false
	}
	nulls := arr.NullN() > 0
	if lo < 0 || hi > math.MaxInt32 || nulls {
		for i := range dst {
			switch {
			case nulls && arr.IsNull(i):
				if nullable {
					dst[i] = unknown
				} else {
					flaws(i, Null)
					dst[i] = 0
				}
			case tmp != nil && tmp[i] > math.MaxInt32:
				flaws(i, OutOfRange)
			case dst[i] < 0:
				flaws(i, Negative)
			}
		}
	}
	return true
}

// reportNulls reports the nulls of a column that may not hold them.
func reportNulls(arr arrow.Array, nullable bool, flaws Flaws) {
	if arr.NullN() == 0 || nullable {
		return
	}
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			flaws(i, Null)
		}
	}
}

// Flags decodes a boolean column into dst; nulls become false and are
// reported unless nullable. ok is false when arr is not boolean.
func Flags(arr arrow.Array, dst []bool, nullable bool, flaws Flaws) (ok bool) {
	a, ok := arr.(*array.Boolean)
	if !ok {
		return false
	}
	for i := range dst {
		dst[i] = a.Value(i)
	}
	if a.NullN() > 0 {
		for i := range dst {
			if a.IsNull(i) {
				dst[i] = false
			}
		}
		reportNulls(arr, nullable, flaws)
	}
	return true
}

// Times decodes a timestamp column into Unix milliseconds (rounding
// toward the past, as time.Time.UnixMilli does); nulls become null. ok is
// false when arr is not a timestamp array.
func Times(arr arrow.Array, dst []int64, null int64) (ok bool) {
	a, ok := arr.(*array.Timestamp)
	if !ok {
		return false
	}
	unit := a.DataType().(*arrow.TimestampType).Unit
	vals := a.TimestampValues()
	switch unit {
	case arrow.Millisecond:
		for i, v := range vals {
			dst[i] = int64(v)
		}
	case arrow.Second:
		for i, v := range vals {
			dst[i] = int64(v) * 1000
		}
	case arrow.Microsecond:
		for i, v := range vals {
			dst[i] = floorDiv(int64(v), 1000)
		}
	case arrow.Nanosecond:
		for i, v := range vals {
			dst[i] = floorDiv(int64(v), 1_000_000)
		}
	}
	if a.NullN() > 0 {
		for i := range dst {
			if a.IsNull(i) {
				dst[i] = null
			}
		}
	}
	return true
}

// floorDiv divides rounding toward negative infinity, so times before 1970
// truncate the same way as time.Time.UnixMilli.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// Floats decodes a float column (or an integer one) into dst; nulls
// become NaN. ok is false for other arrays.
func Floats(arr arrow.Array, dst []float64) (ok bool) {
	switch a := arr.(type) {
	case *array.Float64:
		copy(dst, a.Float64Values())
	case *array.Float32:
		for i, v := range a.Float32Values() {
			dst[i] = float64(v)
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			dst[i] = float64(v)
		}
	case *array.Int64:
		for i, v := range a.Int64Values() {
			dst[i] = float64(v)
		}
	default:
		return false
	}
	if arr.NullN() > 0 {
		for i := range dst {
			if arr.IsNull(i) {
				dst[i] = math.NaN()
			}
		}
	}
	return true
}

// StringRemap decodes string values to Go strings, copying each distinct
// value once so rows share the copies.
type StringRemap struct {
	key    dictKey
	remap  []string
	intern map[string]string
}

// Values writes the strings of arr to dst; nulls become "".
func (g *StringRemap) Values(arr arrow.Array, dst []string) {
	if g.intern == nil {
		g.intern = map[string]string{}
	}
	own := func(s string) string {
		if c, ok := g.intern[s]; ok {
			return c
		}
		c := strings.Clone(s)
		g.intern[c] = c
		return c
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := a.Dictionary()
		if k := keyOf(dict); k.data == nil || k != g.key {
			value := stringGetter(dict)
			g.remap = g.remap[:0]
			for i := 0; i < dict.Len(); i++ {
				s := ""
				if dict.IsValid(i) {
					s = own(value(i))
				}
				g.remap = append(g.remap, s)
			}
			g.key = k
		}
		for i := range dst {
			if a.IsValid(i) {
				dst[i] = g.remap[a.GetValueIndex(i)]
			} else {
				dst[i] = ""
			}
		}
	default:
		value := stringGetter(arr)
		for i := range dst {
			if arr.IsValid(i) {
				dst[i] = own(value(i))
			} else {
				dst[i] = ""
			}
		}
	}
}
