package datasets

import (
	"io"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
)

// CheckParquetFooter reads the footer of the Parquet file r (size bytes)
// and checks, before arrow-go decodes it, the sizes the decoders allocate
// by: every list in the footer must fit in the bytes left, and the
// schema's child counts must describe a tree of the listed elements. A
// root claiming 2^31-1 children otherwise ends the process in arrow-go's
// schema conversion (fatal error: out of memory), which no recover
// catches. Every reader of this package runs it; it is exported for
// readers of other Parquet files (batch's candidates).
func CheckParquetFooter(r io.ReaderAt, size int64) error {
	return parquetread.CheckFooter(r, size)
}
