package datasets

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
)

// Fixed-width columns in their canonical Parquet form are read straight
// from the pages into the Log's slices (parquetread.ReadInts and its
// kind); the functions here decide which columns can be, and where their
// values go. Other encodings of those columns (int64 counts, float32,
// other timestamp units) take the Arrow path in decode.go.

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
	flaws := sink.flaws(spec, fileRow)
	switch spec.name {
	case ColSeq:
		return parquetread.ReadInts(ccr, l.Seq[row:row+k], def, maxDef, 0, spec.nullable, flaws)
	case ColTime:
		return parquetread.ReadInts(ccr, l.TimeMS[row:row+k], def, maxDef, NoTime, spec.nullable, flaws)
	case ColIndependent:
		return parquetread.ReadFlags(ccr, l.Independent[row:row+k], def, maxDef, spec.nullable, flaws)
	case ColSupported:
		return parquetread.ReadFlags(ccr, l.Supported[row:row+k], def, maxDef, spec.nullable, flaws)
	case ColScaffolded:
		return parquetread.ReadFlags(ccr, l.Scaffolded[row:row+k], def, maxDef, spec.nullable, flaws)
	case ColAnswerGiven:
		return parquetread.ReadFlags(ccr, l.AnswerGiven[row:row+k], def, maxDef, spec.nullable, flaws)
	case ColHintsUsed:
		return parquetread.ReadCounts(ccr, l.HintsUsed[row:row+k], def, maxDef, Unknown, spec.nullable, flaws)
	case ColHintsAvailable:
		return parquetread.ReadCounts(ccr, l.HintsAvailable[row:row+k], def, maxDef, Unknown, spec.nullable, flaws)
	case ColRetries:
		return parquetread.ReadCounts(ccr, l.Retries[row:row+k], def, maxDef, Unknown, spec.nullable, flaws)
	case ColResponseMS:
		return parquetread.ReadFloats(ccr, l.ResponseMS[row:row+k], def, maxDef)
	case ColDifficulty:
		return parquetread.ReadFloats(ccr, l.Difficulty[row:row+k], def, maxDef)
	}
	return 0, fmt.Errorf("no direct reader")
}
