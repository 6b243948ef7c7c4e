package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// OutputFile describes one output file in a receipt or manifest.
type OutputFile struct {
	// Path is relative to the output directory, with forward slashes.
	Path   string `json:"path"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

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

// table writes one Parquet output file atomically, a row group at a time
// from an Arrow record builder.
type table struct {
	rel, path string
	file      *atomicfile.File
	out       *hashingWriter
	w         *pqarrow.FileWriter
	b         *array.RecordBuilder
	groupRows int
	rows      int64
}

// createTable starts the file rel (relative to dir) with schema sc; rows
// are written in row groups of groupRows.
func createTable(dir, rel string, sc *arrow.Schema, groupRows int) (*table, error) {
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
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("learner_id", true),
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
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	b.Reserve(groupRows)
	return &table{rel: rel, path: path, file: f, out: out, w: w, b: b, groupRows: groupRows}, nil
}

// rowAdded counts one appended row and writes a row group when full.
func (t *table) rowAdded() error {
	t.rows++
	if t.b.Field(0).Len() >= t.groupRows {
		return t.flush()
	}
	return nil
}

// flush writes the buffered rows as one row group.
func (t *table) flush() error {
	if t.b.Field(0).Len() == 0 {
		return nil
	}
	rec := t.b.NewRecordBatch()
	defer rec.Release()
	if err := t.w.Write(rec); err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	return nil
}

// commit writes the footer and renames the file into place.
func (t *table) commit() (OutputFile, error) {
	defer t.b.Release()
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
