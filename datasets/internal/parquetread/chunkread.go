package parquetread

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// Fixed-width columns in their canonical Parquet form are read straight
// from the pages into the caller's slices with the typed column-chunk
// readers: no Arrow arrays are built, so nothing is allocated, zeroed and
// copied per batch. Each reader reads up to len(dst) rows of a flat column
// whose maximum definition level is maxDef (def, of len(dst), receives the
// levels when maxDef > 0), moves the values to their rows, and returns
// how many rows it read.

// chunkReader asserts the typed reader of a column chunk.
func chunkReader[R any](ccr file.ColumnChunkReader) (R, error) {
	r, ok := ccr.(R)
	if !ok {
		var zero R
		return zero, fmt.Errorf("unexpected column reader %T", ccr)
	}
	return r, nil
}

// Spread moves the n packed values at the start of dst to the rows whose
// definition level marks a value and writes null to the others. It works
// backwards, in place, since a value never moves to an earlier row.
func Spread[T any, L int16 | uint8](dst []T, n int, def []L, maxDef L, null T) {
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

// reportNullRows reports the null rows of a column that may not hold
// them: those whose definition level is below maxDef.
func reportNullRows(n, nv int, def []int16, maxDef int16, nullable bool, flaws Flaws) {
	if nullable || n == nv {
		return
	}
	for i, d := range def[:n] {
		if d != maxDef {
			flaws(i, Null)
		}
	}
}

// batchReader is a typed Parquet column chunk reader.
type batchReader[T any] interface {
	ReadBatch(batchSize int64, values []T, defLvls, repLvls []int16) (total int64, valuesRead int, err error)
}

// readValues reads a batch of a column whose nulls become null in dst and
// are reported unless nullable.
func readValues[T any, R batchReader[T]](ccr file.ColumnChunkReader, dst []T, def []int16, maxDef int16, null T, nullable bool, flaws Flaws) (int, error) {
	r, err := chunkReader[R](ccr)
	if err != nil {
		return 0, err
	}
	lv, nv, err := r.ReadBatch(int64(len(dst)), dst, def, nil)
	if err != nil || lv == 0 {
		return 0, err
	}
	if def != nil {
		Spread(dst[:lv], nv, def[:lv], maxDef, null)
		reportNullRows(int(lv), nv, def, maxDef, nullable, flaws)
	}
	return int(lv), nil
}

// ReadInts reads an INT64 column; nulls become null and are reported
// unless nullable.
func ReadInts(ccr file.ColumnChunkReader, dst []int64, def []int16, maxDef int16, null int64, nullable bool, flaws Flaws) (int, error) {
	return readValues[int64, *file.Int64ColumnChunkReader](ccr, dst, def, maxDef, null, nullable, flaws)
}

// ReadCounts reads an INT32 count column: nulls become unknown where
// nullable and are reported (as 0) elsewhere; negative counts are
// reported.
func ReadCounts(ccr file.ColumnChunkReader, dst []int32, def []int16, maxDef int16, unknown int32, nullable bool, flaws Flaws) (int, error) {
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
		// Nulls become unknown where the column allows them; the
		// definition levels tell them from stored negative values.
		Spread(dst, nv, def[:lv], maxDef, unknown)
	}
	for i, v := range dst {
		switch {
		case def != nil && def[i] != maxDef:
			if !nullable {
				flaws(i, Null)
				dst[i] = 0
			}
		case v < 0:
			flaws(i, Negative)
		}
	}
	return int(lv), nil
}

// ReadFlags reads a BOOLEAN column; nulls become false and are reported
// unless nullable.
func ReadFlags(ccr file.ColumnChunkReader, dst []bool, def []int16, maxDef int16, nullable bool, flaws Flaws) (int, error) {
	return readValues[bool, *file.BooleanColumnChunkReader](ccr, dst, def, maxDef, false, nullable, flaws)
}

// ReadFloats reads a DOUBLE column; nulls become NaN.
func ReadFloats(ccr file.ColumnChunkReader, dst []float64, def []int16, maxDef int16) (int, error) {
	r, err := chunkReader[*file.Float64ColumnChunkReader](ccr)
	if err != nil {
		return 0, err
	}
	lv, nv, err := r.ReadBatch(int64(len(dst)), dst, def, nil)
	if err != nil || lv == 0 {
		return 0, err
	}
	if def != nil {
		Spread(dst[:lv], nv, def[:lv], maxDef, math.NaN())
	}
	return int(lv), nil
}
