package datasets

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// logRecord returns rows [start, end) of l as a record with the given schema
// (the canonical columns followed by the named group columns). Fixed-width
// columns without unknowns share memory with l, so the record must be
// written before l changes.
func logRecord(schema *arrow.Schema, groups []string, l *Log, start, end int) (arrow.RecordBatch, error) {
	if err := checkLogShape(l); err != nil {
		return nil, err
	}
	n := end - start
	tsType := schema.Field(4).Type
	cols := []arrow.Array{
		dictStrings(l.Learners.IDs(), l.Learner[start:end]),
		dictStrings(l.Items.IDs(), l.Item[start:end]),
		skillLists(schema.Field(2).Type, l, start, end),
		int64Column(arrow.PrimitiveTypes.Int64, l.Seq[start:end], 0, false),
		int64Column(tsType, l.TimeMS[start:end], NoTime, true),
		boolColumn(l.Independent[start:end]),
		boolColumn(l.Supported[start:end]),
		int32Column(l.HintsUsed[start:end], 0, false),
		int32Column(l.HintsAvailable[start:end], Unknown, true),
		int32Column(l.Retries[start:end], 0, false),
		boolColumn(l.Scaffolded[start:end]),
		boolColumn(l.AnswerGiven[start:end]),
		float64Column(l.ResponseMS[start:end]),
		float64Column(l.Difficulty[start:end]),
	}
	for _, g := range groups {
		cols = append(cols, groupStrings(l, g, start, end))
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// checkLogShape reports a Log whose columns disagree in length, which would
// otherwise surface as an index panic deep in the encoder.
func checkLogShape(l *Log) error {
	n := l.Len()
	lens := map[string]int{
		ColItem: len(l.Item), ColSeq: len(l.Seq), ColTime: len(l.TimeMS),
		ColIndependent: len(l.Independent), ColSupported: len(l.Supported),
		ColHintsUsed: len(l.HintsUsed), ColHintsAvailable: len(l.HintsAvailable),
		ColRetries: len(l.Retries), ColScaffolded: len(l.Scaffolded),
		ColAnswerGiven: len(l.AnswerGiven), ColResponseMS: len(l.ResponseMS),
		ColDifficulty: len(l.Difficulty), ColSkills: len(l.SkillStart) - 1,
	}
	for name, m := range lens {
		if m != n {
			return fmt.Errorf("log column %s has %d rows, %s has %d", name, m, ColLearner, n)
		}
	}
	if len(l.Groups) != len(l.GroupNames) {
		return fmt.Errorf("log has %d group names but %d group columns", len(l.GroupNames), len(l.Groups))
	}
	for g, col := range l.Groups {
		if len(col) != n {
			return fmt.Errorf("log column %s has %d rows, %s has %d", l.GroupNames[g], len(col), ColLearner, n)
		}
	}
	return nil
}

// dictStrings materializes ids[idx[i]] as a string array.
func dictStrings(ids []string, idx []int32) arrow.Array {
	size := 0
	for _, i := range idx {
		size += len(ids[i])
	}
	offsets := make([]int32, len(idx)+1)
	data := make([]byte, 0, size)
	for r, i := range idx {
		data = append(data, ids[i]...)
		offsets[r+1] = int32(len(data))
	}
	return array.NewStringData(array.NewData(arrow.BinaryTypes.String, len(idx),
		[]*memory.Buffer{nil, bytesBuffer(arrow.Int32Traits.CastToBytes(offsets)), memory.NewBufferBytes(data)}, nil, 0, 0))
}

// groupStrings returns group column name of l for rows [start, end), with
// "" as null; all null when l lacks the column.
func groupStrings(l *Log, name string, start, end int) arrow.Array {
	n := end - start
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(n)
	g := -1
	for i, have := range l.GroupNames {
		if normalizedGroup(have) == name {
			g = i
		}
	}
	if g < 0 {
		b.AppendNulls(n)
		return b.NewArray()
	}
	for _, v := range l.Groups[g][start:end] {
		if v == "" {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

// skillLists returns the skill lists of rows [start, end) of l.
func skillLists(dt arrow.DataType, l *Log, start, end int) arrow.Array {
	base := l.SkillStart[start]
	offsets := make([]int32, end-start+1)
	for i := range offsets {
		offsets[i] = l.SkillStart[start+i] - base
	}
	values := dictStrings(l.SkillIDs.IDs(), l.Skills[base:l.SkillStart[end]])
	defer values.Release()
	data := array.NewData(dt, end-start, []*memory.Buffer{nil, bytesBuffer(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{values.Data()}, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// bytesBuffer wraps b without copying.
func bytesBuffer(b []byte) *memory.Buffer { return memory.NewBufferBytes(b) }

// validity returns a validity bitmap clearing the rows where unknown(i) is
// true, and the number of such rows; nil when there are none.
func validity(n int, unknown func(i int) bool) (*memory.Buffer, int) {
	var bits []byte
	nulls := 0
	for i := 0; i < n; i++ {
		if !unknown(i) {
			continue
		}
		if bits == nil {
			bits = make([]byte, bitutil.BytesForBits(int64(n)))
			for j := range bits {
				bits[j] = 0xff
			}
		}
		bitutil.ClearBit(bits, i)
		nulls++
	}
	if bits == nil {
		return nil, 0
	}
	return memory.NewBufferBytes(bits), nulls
}

// int64Column wraps vals as an array of type dt, with vals equal to unknown
// as nulls when nullable.
func int64Column(dt arrow.DataType, vals []int64, unknown int64, nullable bool) arrow.Array {
	var valid *memory.Buffer
	nulls := 0
	if nullable {
		valid, nulls = validity(len(vals), func(i int) bool { return vals[i] == unknown })
	}
	data := array.NewData(dt, len(vals), []*memory.Buffer{valid, bytesBuffer(arrow.Int64Traits.CastToBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// int32Column wraps vals as an int32 array, with vals equal to unknown as
// nulls when nullable.
func int32Column(vals []int32, unknown int32, nullable bool) arrow.Array {
	var valid *memory.Buffer
	nulls := 0
	if nullable {
		valid, nulls = validity(len(vals), func(i int) bool { return vals[i] == unknown })
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(vals), []*memory.Buffer{valid, bytesBuffer(arrow.Int32Traits.CastToBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// float64Column wraps vals as a float64 array with NaN as null.
func float64Column(vals []float64) arrow.Array {
	valid, nulls := validity(len(vals), func(i int) bool { return math.IsNaN(vals[i]) })
	data := array.NewData(arrow.PrimitiveTypes.Float64, len(vals), []*memory.Buffer{valid, bytesBuffer(arrow.Float64Traits.CastToBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// boolColumn packs vals into a boolean array.
func boolColumn(vals []bool) arrow.Array {
	bits := make([]byte, bitutil.BytesForBits(int64(len(vals))))
	for i, v := range vals {
		if v {
			bitutil.SetBit(bits, i)
		}
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, len(vals), []*memory.Buffer{nil, memory.NewBufferBytes(bits)}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}
