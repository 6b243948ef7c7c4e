package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// hashingWriter writes to the temporary file and hashes the bytes on the
// way, so a file's checksum costs no second read.
type hashingWriter struct {
	f *atomicfile.File
	h hash.Hash
	n int64
}

func (w *hashingWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// pageBytes is the Parquet data page size of the output tables.
const pageBytes = 64 << 10

// table writes one Parquet output file atomically, a row group at a time
// from reusable column buffers.
type table struct {
	rel, path string
	file      *atomicfile.File
	out       *hashingWriter
	w         *pqarrow.FileWriter
	schema    *arrow.Schema
	cols      []column
	buffered  int // rows in the column buffers
	groupRows int
	rows      int64
}

// createTable starts the file rel (relative to dir) with schema sc, whose
// columns cols fill (in schema order); rows are written in row groups of
// groupRows.
func createTable(dir, rel string, sc *arrow.Schema, cols []column, groupRows int) (*table, error) {
	path := joinRel(dir, rel)
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	out := &hashingWriter{f: f, h: sha256.New()}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithMaxRowGroupLength(int64(groupRows)),
		// The writer sizes its page buffers by the page size for every
		// column chunk; the default 1 MB made most of the run's garbage.
		parquet.WithDataPageSize(pageBytes),
		// Dictionary pages only for the few-valued columns: learner ids
		// are all distinct (learners) or runs (readiness, which zstd
		// compresses as well), and a dictionary would hash every one.
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("item_id", true),
		parquet.WithDictionaryFor("model_version", true),
		parquet.WithDictionaryFor("zone", true),
		parquet.WithStats(false),
	)
	w, err := pqarrow.NewFileWriter(sc, out, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &table{rel: rel, path: path, file: f, out: out, w: w, schema: sc, cols: cols, groupRows: groupRows}, nil
}

// rowAdded counts one appended row and writes a row group when full.
func (t *table) rowAdded() error {
	t.rows++
	t.buffered++
	if t.buffered >= t.groupRows {
		return t.flush()
	}
	return nil
}

// flush writes the buffered rows as one row group and empties the buffers.
func (t *table) flush() error {
	if t.buffered == 0 {
		return nil
	}
	arrs := make([]arrow.Array, len(t.cols))
	for i, c := range t.cols {
		arrs[i] = c.array()
	}
	rec := array.NewRecordBatch(t.schema, arrs, int64(t.buffered))
	for _, a := range arrs {
		a.Release()
	}
	err := t.w.Write(rec)
	rec.Release()
	// Write has encoded the values: the buffers can take the next group.
	for _, c := range t.cols {
		c.reset()
	}
	t.buffered = 0
	if err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	return nil
}

// commit writes the footer and renames the file into place.
func (t *table) commit() (OutputFile, error) {
	if err := t.flush(); err != nil {
		t.file.Abort()
		return OutputFile{}, err
	}
	if err := t.w.Close(); err != nil {
		t.file.Abort()
		return OutputFile{}, fmt.Errorf("write %s: %w", t.path, err)
	}
	if err := t.file.Commit(); err != nil {
		return OutputFile{}, err
	}
	return OutputFile{Path: t.rel, Rows: t.rows, Bytes: t.out.n, SHA256: hex.EncodeToString(t.out.h.Sum(nil))}, nil
}

// abort discards the file; safe after commit.
func (t *table) abort() {
	t.file.Abort()
}

// joinRel joins a slash-separated relative path to dir.
func joinRel(dir, rel string) string {
	return filepath.Join(dir, filepath.FromSlash(rel))
}
