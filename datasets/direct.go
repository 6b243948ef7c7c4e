package datasets

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Fixed-width columns in their canonical Parquet form are read straight
// from the pages into the Log's slices with the typed column-chunk
// readers: no Arrow arrays are built, so nothing is allocated, zeroed and
// copied per batch. Other encodings of those columns (int64 counts,
// float32, other timestamp units) take the Arrow path in decode.go.

// directChunk is how many rows one ReadBatch call asks for.
const directChunk = 1 << 16

// leafOf returns the Parquet leaf column index of a flat file field, or -1.
func (s *source) leafOf(field int) int {
	psc := s.pq.ParquetReader().MetaData().Schema
	leaf := -1
	for i := 0; i < psc.NumColumns(); i++ {
		if psc.Root().FieldIndexByField(psc.ColumnRoot(i)) == field {
			if leaf >= 0 {
				return -1 // nested: several leaves
			}
			leaf = i
		}
	}
	return leaf
}

// direct returns the leaf column to read read field j from directly, or -1
// when it needs the Arrow path.
func (s *source) direct(j int) int {
	t := s.targets[j]
	if t.canon < 0 {
		return -1
	}
	leaf := s.leafOf(s.fields[j])
	if leaf < 0 {
		return -1
	}
	col := s.pq.ParquetReader().MetaData().Schema.Column(leaf)
	if col.MaxRepetitionLevel() > 0 || col.MaxDefinitionLevel() > 1 {
		return -1
	}
	dt := s.schema.Field(s.fields[j]).Type
	phys := col.PhysicalType()
	ok := false
	switch canonicalColumns[t.canon].kind {
	case kindSeq:
		ok = dt.ID() == arrow.INT64 && phys == parquet.Types.Int64
	case kindTime:
		ts, isTS := dt.(*arrow.TimestampType)
		ok = isTS && ts.Unit == arrow.Millisecond && phys == parquet.Types.Int64
	case kindCount:
		ok = dt.ID() == arrow.INT32 && phys == parquet.Types.Int32
	case kindFlag:
		ok = dt.ID() == arrow.BOOL && phys == parquet.Types.Boolean
	case kindFloat:
		ok = dt.ID() == arrow.FLOAT64 && phys == parquet.Types.Double
	}
	if !ok {
		return -1
	}
	return leaf
}

// readDirect reads leaf column leaf (field j of src) into rows [off,
// off+rows) of l, row group by row group.
func readDirect(src *source, j, leaf int, l *Log, off int, sink *problemSink) error {
	pf := src.pq.ParquetReader()
	spec := canonicalColumns[src.targets[j].canon]
	maxDef := int16(pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel())
	var def []int16
	if maxDef > 0 {
		def = make([]int16, directChunk)
	}
	pos := 0
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		rows := int(pf.MetaData().RowGroup(rg).NumRows())
		ccr, err := pf.RowGroup(rg).Column(leaf)
		if err != nil {
			return err
		}
		for done := 0; done < rows; {
			k := min(rows-done, directChunk)
			row := off + pos + done
			var d []int16
			if def != nil {
				d = def[:k]
			}
			n, err := readChunk(ccr, spec, l, row, k, d, maxDef, int64(pos+done), sink)
			if err != nil {
				return fmt.Errorf("column %s: %w", spec.name, err)
			}
			if n == 0 {
				return fmt.Errorf("column %s: row group %d ends after %d of %d rows", spec.name, rg, done, rows)
			}
			done += n
		}
		pos += rows
	}
	return nil
}

// readChunk reads up to k values of one column into rows row... of l and
// returns how many rows it read. fileRow is the file row of the first.
func readChunk(ccr file.ColumnChunkReader, spec columnSpec, l *Log, row, k int, def []int16, maxDef int16, fileRow int64, sink *problemSink) (int, error) {
	switch spec.name {
	case ColSeq:
		return readInts(ccr, l.Seq[row:row+k], def, maxDef, 0, spec, fileRow, sink)
	case ColTime:
		return readInts(ccr, l.TimeMS[row:row+k], def, maxDef, NoTime, spec, fileRow, sink)
	case ColIndependent:
		return readFlags(ccr, l.Independent[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColSupported:
		return readFlags(ccr, l.Supported[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColScaffolded:
		return readFlags(ccr, l.Scaffolded[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColAnswerGiven:
		return readFlags(ccr, l.AnswerGiven[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColHintsUsed:
		return readCounts(ccr, l.HintsUsed[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColHintsAvailable:
		return readCounts(ccr, l.HintsAvailable[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColRetries:
		return readCounts(ccr, l.Retries[row:row+k], def, maxDef, spec, fileRow, sink)
	case ColResponseMS:
		return readFloats(ccr, l.ResponseMS[row:row+k], def, maxDef)
	case ColDifficulty:
		return readFloats(ccr, l.Difficulty[row:row+k], def, maxDef)
	}
	return 0, fmt.Errorf("no direct reader")
}

// chunkReader asserts the typed reader of a column chunk.
func chunkReader[R any](ccr file.ColumnChunkReader) (R, error) {
	r, ok := ccr.(R)
	if !ok {
		var zero R
		return zero, fmt.Errorf("unexpected column reader %T", ccr)
	}
	return r, nil
}

// spread moves the n packed values at the start of dst to the rows whose
// definition level marks a value and writes null to the others. It works
// backwards, in place, since a value never moves to an earlier row.
func spread[T any, L int16 | uint8](dst []T, n int, def []L, maxDef L, null T) {
	if n == len(dst) {
		return
	}
	v := n
	for i := len(dst) - 1; i >= 0; i-- {
		if def[i] == maxDef {
			v--
			dst[i] = dst[v]
		} else {
			dst[i] = null
		}
	}
}

// reportNullRows reports the null rows of a non-nullable column, which
// are those whose definition level is below maxDef.
func reportNullRows(n, nv int, def []int16, maxDef int16, spec columnSpec, fileRow int64, sink *problemSink) {
	if spec.nullable || n == nv {
		return
	}
	for i, d := range def[:n] {
		if d != maxDef {
			sink.add(fileRow+int64(i), spec.name, msgNull, true)
		}
	}
}

// batchReader is a typed Parquet column chunk reader.
type batchReader[T any] interface {
	ReadBatch(batchSize int64, values []T, defLvls, repLvls []int16) (total int64, valuesRead int, err error)
}

// readValues reads a batch of a column whose nulls become null in dst and
// are reported when the column may not hold them.
func readValues[T any, R batchReader[T]](ccr file.ColumnChunkReader, dst []T, def []int16, maxDef int16, null T, spec columnSpec, fileRow int64, sink *problemSink) (int, error) {
	r, err := chunkReader[R](ccr)
	if err != nil {
		return 0, err
	}
	lv, nv, err := r.ReadBatch(int64(len(dst)), dst, def, nil)
	if err != nil || lv == 0 {
		return 0, err
	}
	if def != nil {
		spread(dst[:lv], nv, def[:lv], maxDef, null)
		reportNullRows(int(lv), nv, def, maxDef, spec, fileRow, sink)
	}
	return int(lv), nil
}

func readInts(ccr file.ColumnChunkReader, dst []int64, def []int16, maxDef int16, null int64, spec columnSpec, fileRow int64, sink *problemSink) (int, error) {
	return readValues[int64, *file.Int64ColumnChunkReader](ccr, dst, def, maxDef, null, spec, fileRow, sink)
}

func readCounts(ccr file.ColumnChunkReader, dst []int32, def []int16, maxDef int16, spec columnSpec, fileRow int64, sink *problemSink) (int, error) {
	r, err := chunkReader[*file.Int32ColumnChunkReader](ccr)
	if err != nil {
		return 0, err
	}
	lv, nv, err := r.ReadBatch(int64(len(dst)), dst, def, nil)
	if err != nil || lv == 0 {
		return 0, err
	}
	dst = dst[:lv]
	if def != nil {
		// Nulls become Unknown where the column allows them; the
		// definition levels tell them from stored negative values.
		spread(dst, nv, def[:lv], maxDef, Unknown)
	}
	for i, v := range dst {
		switch {
		case def != nil && def[i] != maxDef:
			if !spec.nullable {
				sink.add(fileRow+int64(i), spec.name, msgNull, true)
				dst[i] = 0
			}
		case v < 0:
			sink.add(fileRow+int64(i), spec.name, msgNegative, true)
		}
	}
	return int(lv), nil
}

func readFlags(ccr file.ColumnChunkReader, dst []bool, def []int16, maxDef int16, spec columnSpec, fileRow int64, sink *problemSink) (int, error) {
	return readValues[bool, *file.BooleanColumnChunkReader](ccr, dst, def, maxDef, false, spec, fileRow, sink)
}

func readFloats(ccr file.ColumnChunkReader, dst []float64, def []int16, maxDef int16) (int, error) {
	r, err := chunkReader[*file.Float64ColumnChunkReader](ccr)
	if err != nil {
		return 0, err
	}
	lv, nv, err := r.ReadBatch(int64(len(dst)), dst, def, nil)
	if err != nil || lv == 0 {
		return 0, err
	}
	if def != nil {
		spread(dst[:lv], nv, def[:lv], maxDef, math.NaN())
	}
	return int(lv), nil
}
