package datasets

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
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
	remap  parquetread.IDRemap
	groups parquetread.StringRemap
}

// decode writes arr's values into rows [off, off+arr.Len()) of l; skills
// are appended, so skill arrays must come in row order.
func (c *columnDecoder) decode(arr arrow.Array, l *Log, off int, fileRow int64) error {
	n := arr.Len()
	if c.target.canon < 0 {
		g := groupIndex(l, c.target.group)
		if g >= 0 {
			c.groups.Values(arr, l.Groups[g][off:off+n])
		}
		return nil
	}
	spec := canonicalColumns[c.target.canon]
	flaws := c.sink.flaws(spec, fileRow)
	ok := true
	switch c.target.canon {
	case colLearner:
		return c.remap.IDs(arr, func(s string) int32 { return intern(&l.Learners, s) }, l.Learner[off:off+n])
	case colItem:
		return c.remap.IDs(arr, func(s string) int32 { return intern(&l.Items, s) }, l.Item[off:off+n])
	case colSkills:
		var err error
		l.Skills, l.SkillStart, err = c.remap.IDLists(arr, func(s string) int32 { return intern(&l.SkillIDs, s) }, l.Skills, l.SkillStart, flaws)
		return err
	case colSeq:
		ok = parquetread.Ints(arr, l.Seq[off:off+n], spec.nullable, flaws)
	case colTime:
		ok = parquetread.Times(arr, l.TimeMS[off:off+n], NoTime)
	case colIndependent:
		ok = parquetread.Flags(arr, l.Independent[off:off+n], spec.nullable, flaws)
	case colSupported:
		ok = parquetread.Flags(arr, l.Supported[off:off+n], spec.nullable, flaws)
	case colScaffolded:
		ok = parquetread.Flags(arr, l.Scaffolded[off:off+n], spec.nullable, flaws)
	case colAnswerGiven:
		ok = parquetread.Flags(arr, l.AnswerGiven[off:off+n], spec.nullable, flaws)
	case colHintsUsed:
		ok = parquetread.Counts(arr, l.HintsUsed[off:off+n], spec.nullable, Unknown, flaws)
	case colHintsAvailable:
		ok = parquetread.Counts(arr, l.HintsAvailable[off:off+n], spec.nullable, Unknown, flaws)
	case colRetries:
		ok = parquetread.Counts(arr, l.Retries[off:off+n], spec.nullable, Unknown, flaws)
	case colResponseMS:
		ok = parquetread.Floats(arr, l.ResponseMS[off:off+n])
	case colDifficulty:
		ok = parquetread.Floats(arr, l.Difficulty[off:off+n])
	default:
		return fmt.Errorf("no decoder for column %s", spec.name)
	}
	if !ok {
		return fmt.Errorf("unexpected %s array type %s", spec.name, arr.DataType())
	}
	return nil
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

// intern interns s, copying it first when new: Arrow string values point
// into column buffers that must not be kept alive by the Log.
func intern(d *Dict, s string) int32 {
	if i, ok := d.Lookup(s); ok {
		return i
	}
	return d.Intern(strings.Clone(s))
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
