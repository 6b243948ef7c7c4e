package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
)

// source is one open log file: its layout against the canonical schema and
// access to the columns readers need.
type source struct {
	file    logFile
	layout  *fileLayout
	schema  *arrow.Schema // the file's Arrow schema (string ids as dictionaries for Parquet)
	fields  []int         // file fields to read, in order
	targets []target      // what each read field decodes into
	rows    int64         // -1 when unknown before reading (IPC)

	os   *os.File
	size int64
	mem  memory.Allocator // bounded by the file size: see guard.go
	pq   *pqarrow.FileReader
	ipc  *ipc.FileReader
}

// openSource opens f and resolves its columns. Only the canonical columns
// and group columns are read; with opts.Columns set, only those.
func openSource(f logFile, opts ReadOptions) (s *source, err error) {
	osf, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	src := &source{file: f, os: osf}
	defer func() {
		// Runs after recoverError below, so a panic also closes the file.
		if err != nil {
			src.close()
			s = nil
		}
	}()
	defer recoverError(&err, f.path)
	s = src
	info, err := osf.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("%s: empty file", f.path)
	}
	s.size = info.Size()
	s.mem = parquetread.NewAllocator(s.size)
	switch f.format {
	case FormatParquet:
		err = s.openParquet()
	case FormatIPC:
		if err = parquetread.CheckIPCFooter(osf, info.Size()); err == nil {
			err = s.openIPC()
		}
	default:
		err = fmt.Errorf("unknown format %v", f.format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable %s file: %s", f.path, f.format, firstLine(err.Error()))
	}
	s.layout = layoutOf(f.path, s.schema, f.partition)
	s.selectFields(opts.Columns)
	return s, nil
}

// openParquet opens the file as Parquet, with string id and group columns
// read as dictionaries.
func (s *source) openParquet() error {
	if err := CheckParquetFooter(s.os, s.size); err != nil {
		return err
	}
	props := parquet.NewReaderProperties(s.mem)
	// Column chunks are read through a 1 MiB buffer rather than whole:
	// a whole chunk is a fresh zeroed buffer per column, which cost more
	// than the extra reads (ReadLog 5-10% faster).
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.NewParquetReader(s.os, file.WithReadProps(props))
	if err != nil {
		return err
	}
	md := pf.MetaData()
	if err := parquetread.CheckChunks(md, s.size); err != nil {
		return err
	}
	psc := md.Schema
	arrProps := pqarrow.ArrowReadProperties{BatchSize: 1 << 16}
	for leaf := 0; leaf < psc.NumColumns(); leaf++ {
		root := psc.ColumnRoot(leaf).Name()
		if psc.Column(leaf).PhysicalType() != parquet.Types.ByteArray {
			continue
		}
		if root == ColLearner || root == ColItem || root == ColSkills || IsGroupColumn(root) {
			arrProps.SetReadDict(leaf, true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, arrProps, s.mem)
	if err != nil {
		return err
	}
	sc, err := fr.Schema()
	if err != nil {
		return err
	}
	// Without a stored Arrow schema the file's key-value metadata (which
	// holds the schema version) is not carried into the Arrow schema.
	if kv := md.KeyValueMetadata(); kv != nil && sc.Metadata().FindKey(SchemaVersionKey) < 0 {
		if v := kv.FindValue(SchemaVersionKey); v != nil {
			m := arrow.NewMetadata(append(sc.Metadata().Keys(), SchemaVersionKey), append(sc.Metadata().Values(), *v))
			sc = arrow.NewSchema(sc.Fields(), &m)
		}
	}
	s.pq, s.schema, s.rows = fr, sc, md.NumRows
	return nil
}

// openIPC opens the file as an Arrow IPC file (Feather v2).
func (s *source) openIPC() error {
	r, err := ipc.NewFileReader(s.os, ipc.WithAllocator(s.mem))
	if err != nil {
		return err
	}
	// Row counts live in each batch's message, not the footer: unknown
	// until the batches are read.
	s.ipc, s.schema, s.rows = r, r.Schema(), -1
	return nil
}

// selectFields picks the file fields to read: canonical columns the file
// has (correctly typed) and its group columns, limited to columns when
// that is non-empty.
func (s *source) selectFields(columns []string) {
	want := func(name string) bool {
		if len(columns) == 0 {
			return true
		}
		for _, c := range columns {
			if c == name {
				return true
			}
		}
		return false
	}
	for c, idx := range s.layout.index {
		if idx >= 0 && want(canonicalColumns[c].name) {
			s.fields = append(s.fields, idx)
			s.targets = append(s.targets, target{canon: c})
		}
	}
	for g, name := range s.layout.groupNames {
		if want(name) {
			s.fields = append(s.fields, s.layout.groupIndex[g])
			s.targets = append(s.targets, target{canon: -1, group: name})
		}
	}
}

// close releases the file.
func (s *source) close() error {
	if s.ipc != nil {
		s.ipc.Close()
	}
	if s.os != nil {
		return s.os.Close()
	}
	return nil
}

// recordIter streams record batches whose columns follow source.targets.
type recordIter interface {
	next() bool
	record() arrow.RecordBatch
	err() error
	release()
}

// records streams the selected fields in batches of about batch rows.
func (s *source) records(batch int) (it recordIter, err error) {
	defer recoverError(&err, s.file.path)
	if s.pq != nil {
		return s.parquetRecords(batch)
	}
	return &ipcRecords{src: s, i: -1}, nil
}

// parquetRecords reads the selected fields with pqarrow's record reader.
func (s *source) parquetRecords(batch int) (recordIter, error) {
	if len(s.fields) == 0 || s.rows == 0 {
		return &emptyRecords{}, nil
	}
	s.pq.Props.BatchSize = int64(batch)
	psc := s.pq.ParquetReader().MetaData().Schema
	var leaves []int
	for _, f := range s.fields {
		for leaf := 0; leaf < psc.NumColumns(); leaf++ {
			if psc.Root().FieldIndexByField(psc.ColumnRoot(leaf)) == f {
				leaves = append(leaves, leaf)
			}
		}
	}
	rr, err := s.pq.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return nil, err
	}
	return &parquetRecords{rr: rr}, nil
}

type parquetRecords struct {
	rr  pqarrow.RecordReader
	e   error
	cur arrow.RecordBatch
}

func (p *parquetRecords) next() (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			p.e = fmt.Errorf("corrupt data: %s", firstLine(fmt.Sprint(r)))
			ok = false
		}
	}()
	if p.e != nil {
		return false
	}
	if !p.rr.Next() {
		if err := p.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			p.e = err
		}
		return false
	}
	p.cur = p.rr.RecordBatch()
	return true
}

func (p *parquetRecords) record() arrow.RecordBatch { return p.cur }
func (p *parquetRecords) err() error                { return p.e }
func (p *parquetRecords) release()                  { p.rr.Release() }

// ipcRecords yields the file's record batches, projected to the selected
// fields. Batches keep the size they were written with.
type ipcRecords struct {
	src *source
	i   int
	cur arrow.RecordBatch
	e   error
}

func (r *ipcRecords) next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.i++
	if r.e != nil || r.i >= r.src.ipc.NumRecords() {
		return false
	}
	rec, err := r.src.ipc.RecordBatch(r.i)
	if err != nil {
		r.e = err
		return false
	}
	cols := make([]arrow.Array, len(r.src.fields))
	fields := make([]arrow.Field, len(r.src.fields))
	for j, f := range r.src.fields {
		cols[j] = rec.Column(f)
		fields[j] = rec.Schema().Field(f)
	}
	r.cur = array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
	return true
}

func (r *ipcRecords) record() arrow.RecordBatch { return r.cur }
func (r *ipcRecords) err() error                { return r.e }
func (r *ipcRecords) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

type emptyRecords struct{}

func (emptyRecords) next() bool                { return false }
func (emptyRecords) record() arrow.RecordBatch { return nil }
func (emptyRecords) err() error                { return nil }
func (emptyRecords) release()                  {}

// skillLevels returns the number of skill_ids levels in a Parquet file: one
// per skill, plus one per empty list, so at least the number of skills.
func (s *source) skillLevels() int64 {
	if s.pq == nil || s.layout.index[colSkills] < 0 {
		return 0
	}
	md := s.pq.ParquetReader().MetaData()
	var n int64
	for leaf := 0; leaf < md.Schema.NumColumns(); leaf++ {
		if md.Schema.ColumnRoot(leaf).Name() != ColSkills {
			continue
		}
		for rg := 0; rg < md.NumRowGroups(); rg++ {
			if cc, err := md.RowGroup(rg).ColumnChunk(leaf); err == nil && cc.NumValues() > 0 {
				n += cc.NumValues()
			}
		}
	}
	return n
}
