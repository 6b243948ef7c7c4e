// Package parquetread is the low level of the datasets Parquet reader: the
// code that decodes pages by hand or distrusts what a file says about
// itself, kept in one place because it is where unsafe and bounds reasoning
// live.
//
//   - pages.go decodes string columns page by page (RLE/bit-packed hybrid
//     levels and dictionary indexes, PLAIN values), for the columns arrow-go
//     would otherwise build into dictionary and list arrays first;
//   - thrift.go and chunks.go check a footer's list sizes, schema tree and
//     row and value counts against the file's real size before arrow-go
//     allocates by them; guard.go does the same for an Arrow IPC footer and
//     provides the bounded, recycling allocator handed to arrow-go;
//   - arrays.go decodes the Arrow arrays of other columns (ids through a
//     per-dictionary remap, lists of ids, integers, counts, flags,
//     timestamps, floats, strings) into plain slices, and chunkread.go
//     reads fixed-width columns straight from their column chunks; both
//     report flawed rows (nulls where none may be, negative or oversized
//     counts) to the caller, which knows the column;
//   - hugepage_*.go allocates large columns on transparent huge pages.
//
// It knows nothing of the attempt-log schema: package datasets decides which
// columns to read which way, where the values go and what a flaw means.
package parquetread
