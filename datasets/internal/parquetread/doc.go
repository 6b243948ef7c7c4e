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
//   - hugepage_*.go allocates large columns on transparent huge pages.
//
// It knows nothing of the attempt-log schema: package datasets decides which
// columns to read this way and where the values go.
package parquetread
