package parquetread

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// CheckChunks verifies that every column chunk the footer describes lies
// within the file (the Parquet reader allocates a chunk's stated size
// before reading it) and that the row counts agree.
func CheckChunks(md *metadata.FileMetaData, size int64) error {
	total := int64(0)
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		rgm := md.RowGroup(rg)
		if rgm.NumRows() < 0 {
			return fmt.Errorf("row group %d has %d rows", rg, rgm.NumRows())
		}
		total += rgm.NumRows()
		if rgm.NumColumns() != md.Schema.NumColumns() {
			return fmt.Errorf("row group %d has %d columns, the schema %d", rg, rgm.NumColumns(), md.Schema.NumColumns())
		}
		for c := 0; c < rgm.NumColumns(); c++ {
			col, err := rgm.ColumnChunk(c)
			if err != nil {
				return err
			}
			start, n := col.DataPageOffset(), col.TotalCompressedSize()
			if err := checkLevels(md, rg, c, col.NumValues(), n); err != nil {
				return err
			}
			if col.HasDictionaryPage() && col.DictionaryPageOffset() > 0 && start > col.DictionaryPageOffset() {
				start = col.DictionaryPageOffset()
			}
			if start < 0 || n < 0 || start > size || n > size-start {
				return fmt.Errorf("row group %d column %d: chunk of %d bytes at %d lies outside the %d-byte file", rg, c, n, start, size)
			}
		}
	}
	if total != md.NumRows {
		return fmt.Errorf("the footer claims %d rows, its row groups hold %d", md.NumRows, total)
	}
	return nil
}

// checkLevels checks a column chunk's level count against its row
// group's row count (a flat column has one level per row, a repeated one
// at least one) and against the chunk's size in bytes: a page records at
// most 2^31-1 values and its header alone takes more than minPageBytes.
// Readers size memory by the row count, so a footer that overstates it
// would otherwise exhaust memory instead of failing.
func checkLevels(md *metadata.FileMetaData, rg, c int, levels, chunkBytes int64) error {
	rows := md.RowGroup(rg).NumRows()
	col := md.Schema.Column(c)
	if col.MaxRepetitionLevel() == 0 && levels != rows || levels < rows {
		return fmt.Errorf("row group %d claims %d rows but column %s holds %d values", rg, rows, col.Path(), levels)
	}
	if pages := chunkBytes/minPageBytes + 1; levels/pages > math.MaxInt32 {
		return fmt.Errorf("row group %d column %s claims %d values in %d bytes, more than its pages can hold", rg, col.Path(), levels, chunkBytes)
	}
	return nil
}

// minPageBytes is less than the smallest Parquet page: a page header
// (Thrift compact) carries its type, two sizes and a nested header with
// a value count and three encodings.
const minPageBytes = 8
