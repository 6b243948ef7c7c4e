package datasets

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// target is where a file column's values go: a canonical column or a group.
type target struct {
	canon int    // index into canonicalColumns, or -1 for a group column
	group string // group column name when canon < 0
}

// fileDecoder decodes one file's columns into a Log. It holds one
// columnDecoder per read column so that columns can be decoded
// concurrently (each by one goroutine), each keeping its own caches.
type fileDecoder struct {
	src     *source
	cols    []*columnDecoder // aligned with src.targets
	present [numCanonical]bool
	// partition values for the Log's group columns the file lacks.
	partition map[string]string
}

// newFileDecoder prepares decoding src with every column reporting to
// sink; callers that decode columns concurrently give each columnDecoder
// its own sink.
func newFileDecoder(src *source, sink *problemSink) *fileDecoder {
	d := &fileDecoder{src: src, partition: map[string]string{}}
	for _, t := range src.targets {
		d.cols = append(d.cols, &columnDecoder{target: t, sink: sink})
		if t.canon >= 0 {
			d.present[t.canon] = true
		}
	}
	for _, p := range src.file.partition {
		d.partition[p.column] = p.value
	}
	return d
}

// decodeRecord decodes rec, whose columns follow src.targets, into rows
// [off, off+n) of l (already grown to hold them), filling absent columns
// with their defaults. fileRow is the file row of rec's first row.
func (d *fileDecoder) decodeRecord(rec arrow.RecordBatch, l *Log, off int, fileRow int64) error {
	n := int(rec.NumRows())
	for j, c := range d.cols {
		if err := c.decode(rec.Column(j), l, off, fileRow); err != nil {
			return err
		}
	}
	d.fillAbsent(l, off, n)
	return nil
}

// fillAbsent sets the columns the file lacks to their defaults (or the
// partition value) for rows [off, off+n) of l.
func (d *fileDecoder) fillAbsent(l *Log, off, n int) {
	for c := range canonicalColumns {
		if d.present[c] {
			continue
		}
		switch c {
		case colLearner, colItem:
			if v, ok := d.partition[canonicalColumns[c].name]; ok {
				dict, dst := &l.Learners, l.Learner
				if c == colItem {
					dict, dst = &l.Items, l.Item
				}
				fill(dst[off:off+n], dict.Intern(v))
			}
		case colSkills:
			top := int32(len(l.Skills))
			for i := 0; i < n; i++ {
				l.SkillStart = append(l.SkillStart, top)
			}
		case colTime:
			fill(l.TimeMS[off:off+n], NoTime)
		case colHintsAvailable:
			fill(l.HintsAvailable[off:off+n], Unknown)
		case colResponseMS:
			fill(l.ResponseMS[off:off+n], math.NaN())
		case colDifficulty:
			fill(l.Difficulty[off:off+n], math.NaN())
		case colSeq:
			fill(l.Seq[off:off+n], 0)
		case colHintsUsed:
			fill(l.HintsUsed[off:off+n], 0)
		case colRetries:
			fill(l.Retries[off:off+n], 0)
		case colIndependent:
			fill(l.Independent[off:off+n], false)
		case colSupported:
			fill(l.Supported[off:off+n], false)
		case colScaffolded:
			fill(l.Scaffolded[off:off+n], false)
		case colAnswerGiven:
			fill(l.AnswerGiven[off:off+n], false)
		}
	}
	for g, name := range l.GroupNames {
		if d.hasGroup(name) {
			continue
		}
		fill(l.Groups[g][off:off+n], d.partition[name])
	}
}

// hasGroup reports whether the file itself has group column name.
func (d *fileDecoder) hasGroup(name string) bool {
	for _, t := range d.src.targets {
		if t.canon < 0 && t.group == name {
			return true
		}
	}
	return false
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// columnDecoder decodes one column's arrays into a Log.
type columnDecoder struct {
	target target
	sink   *problemSink
	remap  dictRemap
	groups groupRemap
}

// decode writes arr's values into rows [off, off+arr.Len()) of l; skills
// are appended, so skill arrays must come in row order.
func (c *columnDecoder) decode(arr arrow.Array, l *Log, off int, fileRow int64) error {
	n := arr.Len()
	if c.target.canon < 0 {
		g := groupIndex(l, c.target.group)
		if g >= 0 {
			c.groups.values(arr, l.Groups[g][off:off+n])
		}
		return nil
	}
	spec := canonicalColumns[c.target.canon]
	switch c.target.canon {
	case colLearner:
		return c.remap.ids(arr, &l.Learners, l.Learner[off:off+n])
	case colItem:
		return c.remap.ids(arr, &l.Items, l.Item[off:off+n])
	case colSkills:
		return c.skills(arr, l, fileRow)
	case colSeq:
		return decodeInts(arr, l.Seq[off:off+n], spec, fileRow, c.sink)
	case colTime:
		return decodeTime(arr, l.TimeMS[off:off+n])
	case colIndependent:
		return decodeFlags(arr, l.Independent[off:off+n], spec, fileRow, c.sink)
	case colSupported:
		return decodeFlags(arr, l.Supported[off:off+n], spec, fileRow, c.sink)
	case colScaffolded:
		return decodeFlags(arr, l.Scaffolded[off:off+n], spec, fileRow, c.sink)
	case colAnswerGiven:
		return decodeFlags(arr, l.AnswerGiven[off:off+n], spec, fileRow, c.sink)
	case colHintsUsed:
		return decodeCounts(arr, l.HintsUsed[off:off+n], spec, fileRow, c.sink)
	case colHintsAvailable:
		return decodeCounts(arr, l.HintsAvailable[off:off+n], spec, fileRow, c.sink)
	case colRetries:
		return decodeCounts(arr, l.Retries[off:off+n], spec, fileRow, c.sink)
	case colResponseMS:
		return decodeFloats(arr, l.ResponseMS[off:off+n])
	case colDifficulty:
		return decodeFloats(arr, l.Difficulty[off:off+n])
	}
	return fmt.Errorf("no decoder for column %s", spec.name)
}

// groupIndex returns the index of group column name in l, or -1.
func groupIndex(l *Log, name string) int {
	for g, have := range l.GroupNames {
		if have == name {
			return g
		}
	}
	return -1
}

// dictRemap maps a string column's values to a Dict's indexes. For
// dictionary arrays it interns each dictionary entry once and then maps
// rows by index, so a row costs an array load rather than a string hash;
// the mapping is reused while consecutive batches share a dictionary.
type dictRemap struct {
	key   dictKey
	remap []int32
}

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

// ids writes the dictionary index of each value of arr to dst; nulls
// become "" (which the row checks report).
func (r *dictRemap) ids(arr arrow.Array, d *Dict, dst []int32) error {
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := a.Dictionary()
		if k := keyOf(dict); k.data == nil || k != r.key {
			r.remap = internAll(dict, d, r.remap[:0])
			r.key = k
		}
		remap := r.remap
		if a.NullN() > 0 {
			// Null rows may hold any index, even into an empty dictionary.
			empty := d.Intern("")
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
		internEach(a.Len(), a.Value, d, dst)
	case *array.LargeString:
		internEach(a.Len(), a.Value, d, dst)
	default:
		return fmt.Errorf("unexpected id array type %s", arr.DataType())
	}
	if arr.NullN() > 0 {
		empty := d.Intern("")
		for i := range dst {
			if arr.IsNull(i) {
				dst[i] = empty
			}
		}
	}
	return nil
}

// internAll interns every entry of a string dictionary, returning the map
// from dictionary index to d's index.
func internAll(dict arrow.Array, d *Dict, remap []int32) []int32 {
	value := stringGetter(dict)
	for k := 0; k < dict.Len(); k++ {
		s := ""
		if dict.IsValid(k) {
			s = value(k)
		}
		remap = append(remap, intern(d, s))
	}
	return remap
}

// internEach interns n plain string values; runs of one value (a learner's
// rows) cost a string compare.
func internEach(n int, value func(int) string, d *Dict, dst []int32) {
	prev, prevIdx := "", int32(-1)
	for i := 0; i < n; i++ {
		s := value(i)
		if prevIdx >= 0 && s == prev {
			dst[i] = prevIdx
			continue
		}
		prevIdx = intern(d, s)
		prev = s
		dst[i] = prevIdx
	}
}

// intern interns s, copying it first when new: Arrow string values point
// into column buffers that must not be kept alive by the Log.
func intern(d *Dict, s string) int32 {
	if i, ok := d.Lookup(s); ok {
		return i
	}
	return d.Intern(strings.Clone(s))
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

// skills appends the skill lists of arr to l.
func (c *columnDecoder) skills(arr arrow.Array, l *Log, fileRow int64) error {
	var (
		offsets func(i int) (int, int)
		values  arrow.Array
	)
	switch a := arr.(type) {
	case *array.List:
		offsets = func(i int) (int, int) { s, e := a.ValueOffsets(i); return int(s), int(e) }
		values = a.ListValues()
	case *array.LargeList:
		offsets = func(i int) (int, int) { s, e := a.ValueOffsets(i); return int(s), int(e) }
		values = a.ListValues()
	default:
		return fmt.Errorf("unexpected skill array type %s", arr.DataType())
	}
	n := arr.Len()
	if n == 0 {
		return nil
	}
	first, _ := offsets(0)
	_, last := offsets(n - 1)
	base := len(l.Skills)
	l.Skills = grow(l.Skills, base+last-first)[:base+last-first]
	if last > first {
		vals := array.NewSlice(values, int64(first), int64(last))
		err := c.remap.ids(vals, &l.SkillIDs, l.Skills[base:])
		vals.Release()
		if err != nil {
			return err
		}
	}
	nulls := arr.NullN() > 0
	for i := 0; i < n; i++ {
		s, e := offsets(i)
		if nulls && arr.IsNull(i) {
			c.sink.add(fileRow+int64(i), ColSkills, msgNull, true)
			e = s
		}
		_ = s
		l.SkillStart = append(l.SkillStart, int32(base+e-first))
	}
	return nil
}

// integer is the integer types count and seq columns may have in a file.
type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

// intValues returns the values of an integer array as a typed slice, in
// one of the integer types; ok is false for other arrays.
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

// decodeInts decodes a seq column.
func decodeInts(arr arrow.Array, dst []int64, spec columnSpec, fileRow int64, sink *problemSink) error {
	if _, _, ok := convertInts(arr, dst); !ok {
		return fmt.Errorf("unexpected %s array type %s", spec.name, arr.DataType())
	}
	reportNulls(arr, spec, fileRow, sink)
	return nil
}

// decodeCounts decodes a count column: nulls are Unknown where the column
// is nullable and fatal elsewhere; negative or oversized counts are fatal.
func decodeCounts(arr arrow.Array, dst []int32, spec columnSpec, fileRow int64, sink *problemSink) error {
	var tmp []int64
	wide := arr.DataType().ID() == arrow.INT64 || arr.DataType().ID() == arrow.UINT32
	var lo, hi int64
	var ok bool
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
		return fmt.Errorf("unexpected %s array type %s", spec.name, arr.DataType())
	}
	nulls := arr.NullN() > 0
	if lo < 0 || hi > math.MaxInt32 || nulls {
		for i := range dst {
			switch {
			case nulls && arr.IsNull(i):
				if spec.nullable {
					dst[i] = Unknown
				} else {
					sink.add(fileRow+int64(i), spec.name, msgNull, true)
					dst[i] = 0
				}
			case tmp != nil && tmp[i] > math.MaxInt32:
				sink.add(fileRow+int64(i), spec.name, msgOutOfRange, true)
			case dst[i] < 0:
				sink.add(fileRow+int64(i), spec.name, msgNegative, true)
			}
		}
	}
	return nil
}

// reportNulls reports the nulls of a non-nullable column.
func reportNulls(arr arrow.Array, spec columnSpec, fileRow int64, sink *problemSink) {
	if arr.NullN() == 0 || spec.nullable {
		return
	}
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			sink.add(fileRow+int64(i), spec.name, msgNull, true)
		}
	}
}

// decodeFlags decodes a boolean column.
func decodeFlags(arr arrow.Array, dst []bool, spec columnSpec, fileRow int64, sink *problemSink) error {
	a, ok := arr.(*array.Boolean)
	if !ok {
		return fmt.Errorf("unexpected %s array type %s", spec.name, arr.DataType())
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
		reportNulls(arr, spec, fileRow, sink)
	}
	return nil
}

// decodeTime decodes a timestamp column into Unix milliseconds.
func decodeTime(arr arrow.Array, dst []int64) error {
	a, ok := arr.(*array.Timestamp)
	if !ok {
		return fmt.Errorf("unexpected %s array type %s", ColTime, arr.DataType())
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
				dst[i] = NoTime
			}
		}
	}
	return nil
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

// decodeFloats decodes a float column; nulls become NaN.
func decodeFloats(arr arrow.Array, dst []float64) error {
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
		return fmt.Errorf("unexpected float array type %s", arr.DataType())
	}
	if arr.NullN() > 0 {
		for i := range dst {
			if arr.IsNull(i) {
				dst[i] = math.NaN()
			}
		}
	}
	return nil
}

// groupRemap decodes group values to Go strings, copying each distinct
// dictionary entry once so rows share the copies.
type groupRemap struct {
	key    dictKey
	remap  []string
	intern map[string]string
}

// values writes the strings of arr to dst; nulls become "".
func (g *groupRemap) values(arr arrow.Array, dst []string) {
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

// growRows extends l's fixed-width columns by n rows (skills are appended
// by their decoder). The new rows hold stale or zero values until the
// decoders and fillAbsent write every one of them: not clearing them saves
// a pass over the whole log's memory.
func growRows(l *Log, n int) {
	l.Learner = extend(l.Learner, n)
	l.Item = extend(l.Item, n)
	l.Seq = extend(l.Seq, n)
	l.TimeMS = extend(l.TimeMS, n)
	l.Independent = extend(l.Independent, n)
	l.Supported = extend(l.Supported, n)
	l.HintsUsed = extend(l.HintsUsed, n)
	l.HintsAvailable = extend(l.HintsAvailable, n)
	l.Retries = extend(l.Retries, n)
	l.Scaffolded = extend(l.Scaffolded, n)
	l.AnswerGiven = extend(l.AnswerGiven, n)
	l.ResponseMS = extend(l.ResponseMS, n)
	l.Difficulty = extend(l.Difficulty, n)
	for g := range l.Groups {
		l.Groups[g] = extend(l.Groups[g], n)
	}
}

// extend returns s with n more elements, not cleared.
func extend[T any](s []T, n int) []T {
	return grow(s, len(s)+n)[:len(s)+n]
}

// resetRows empties l's rows but keeps its id dictionaries, so indexes stay
// stable across batches.
func resetRows(l *Log) {
	dicts := [3]Dict{l.Learners, l.Items, l.SkillIDs}
	resetLog(l)
	l.Learners, l.Items, l.SkillIDs = dicts[0], dicts[1], dicts[2]
}
