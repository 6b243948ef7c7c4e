// Package datasets defines zpd's one attempt-log schema and reads and writes it.
//
// An attempt log records learners working on items, each attempt with the
// outcome it had alone and with support, and the support used. The schema is
// documented in docs/data.md; Schema returns its Arrow form. Logs are stored
// as Parquet (zstd) or Arrow IPC (Feather v2) files, one file, a directory of
// files, or a Hive-partitioned tree. Readers stream record batches so memory
// stays bounded; ReadLog collects a whole log into the columnar Log type that
// models fit from.
//
// Importers for public formats implement the Importer interface and live in
// subpackages (assistments, datashop). Validate checks a log against the schema
// and reports problems by file, row and column.
//
// The hand-written Parquet decoding (RLE/bit-packed pages, the guards on
// sizes a hostile footer states, the bounded allocator, huge pages) lives in
// internal/parquetread; this package maps what it decodes onto the schema.
package datasets
