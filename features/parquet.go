package features

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/atomicfile"
)

// WriteOptions set how WriteParquet lays out the table.
type WriteOptions struct {
	// RowsPerFile starts a new part file once a file holds this many rows
	// (whole learners stay in one file); 0 means DefaultRowsPerFile.
	RowsPerFile int
	// RowGroup is the rows per row group, and per chunk held in memory; 0
	// means DefaultRowGroup.
	RowGroup int
	// PartAttempts is how many attempts WriteLogParquet loads into memory
	// at once; 0 means DefaultPartAttempts.
	PartAttempts int
}

// Defaults of WriteOptions.
const (
	DefaultRowsPerFile = 1 << 20
	DefaultRowGroup    = 1 << 16
)

// Columns of the feature table before an Extra's, in order.
var baseColumns = []string{
	"learner_id", "item_id", "skill_ids", "seq", "correct_independent", "correct_supported", "hints_used",
	"skills_from_item", "prior_attempts", "prior_independent", "prior_supported", "prior_failed",
	"prior_hints", "prior_hinted", "item_prior_attempts", "item_prior_independent",
	"skill_prior_failed", "skill_prior_supported", "skill_prior_independent",
	"skill_recent_failed", "skill_recent_supported", "skill_recent_independent", "skill_streak",
}

// Schema returns the feature table's Arrow schema with extra's columns.
func Schema(extra Extra) *arrow.Schema {
	types := []arrow.DataType{
		arrow.BinaryTypes.String, arrow.BinaryTypes.String, arrow.ListOf(arrow.BinaryTypes.String),
		arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int32,
		arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32,
		arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32,
	}
	for range 7 {
		types = append(types, arrow.PrimitiveTypes.Float64)
	}
	fields := make([]arrow.Field, 0, len(baseColumns))
	for i, name := range baseColumns {
		fields = append(fields, arrow.Field{Name: name, Type: types[i]})
	}
	if extra != nil {
		for _, name := range extra.Columns() {
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64})
		}
	}
	return arrow.NewSchema(fields, nil)
}

// Written describes the files WriteParquet wrote.
type Written struct {
	Files    []string // part file names in dir, in order
	Rows     int64
	Learners int
}

// PartName is the name of part file i.
func PartName(i int) string { return fmt.Sprintf("part-%05d.parquet", i) }

// WriteParquet writes the feature table of log into dir (created if
// missing) as part files PartName(0), PartName(1), …, each written to a
// temporary file and renamed into place. Part files of an earlier run
// beyond the last one written are removed, so dir holds this table alone.
// Memory holds the log and one row group of output; WriteLogParquet
// streams a log from disk instead.
func WriteParquet(ctx context.Context, log *datasets.Log, dir string, decay float64, extra Extra, opts WriteOptions) (Written, error) {
	return writeTables(ctx, dir, extra, opts, func(emit func(*Table) bool) error {
		emit(NewTable(log, decay, extra))
		return nil
	})
}

// tableSource calls emit with each Table of the output in turn, stopping
// when emit returns false, and returns what stopped it from making the
// next Table.
type tableSource func(emit func(*Table) bool) error

// writeTables writes the rows of the Tables tables makes, in order, into
// dir as WriteParquet lays them out.
func writeTables(ctx context.Context, dir string, extra Extra, opts WriteOptions, tables tableSource) (Written, error) {
	if opts.RowsPerFile <= 0 {
		opts.RowsPerFile = DefaultRowsPerFile
	}
	if opts.RowGroup <= 0 {
		opts.RowGroup = DefaultRowGroup
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Written{}, fmt.Errorf("features: %w", err)
	}
	sc := Schema(extra)
	// One goroutine computes the features and builds each row group's
	// record while this one encodes the previous: encoding is most of the
	// cost, so the two overlap on two cores.
	groups := make(chan group, 1)
	stop := make(chan struct{})
	learners := make(chan int, 1)
	go produce(tables, sc, opts, groups, learners, stop)
	defer func() {
		close(stop)
		for g := range groups { // let the producer finish
			if g.rec != nil {
				g.rec.Release()
			}
		}
	}()
	var (
		w       Written
		writing []*partWriter // started, in file order
		cur     *partWriter   // receiving groups
		waited  int           // writers known to have finished
		stopped atomic.Bool
	)
	// start begins part file i on a goroutine of its own, once fewer than
	// maxWriters earlier files are still being encoded: the encoding of
	// a file is single-threaded, so two files at a time use both cores.
	start := func() (*partWriter, error) {
		for len(writing)-waited >= maxWriters {
			if err := writing[waited].wait(); err != nil {
				return nil, err
			}
			waited++
		}
		pw := newPartWriter(filepath.Join(dir, PartName(len(writing))), sc, opts.RowGroup, &stopped)
		writing = append(writing, pw)
		return pw, nil
	}
	// finish waits for every writer; on failure it removes every part
	// file this call wrote.
	finish := func(err error) (Written, error) {
		if err != nil {
			stopped.Store(true)
		}
		if cur != nil {
			close(cur.recs)
			cur = nil
		}
		for _, pw := range writing {
			if werr := pw.wait(); werr != nil && err == nil {
				err = werr
				stopped.Store(true)
			}
		}
		if err != nil {
			for _, pw := range writing {
				os.Remove(pw.path)
			}
			return Written{}, err
		}
		for _, pw := range writing {
			w.Files = append(w.Files, filepath.Base(pw.path))
		}
		return w, nil
	}
	for g := range groups {
		if g.err != nil {
			return finish(g.err)
		}
		if err := ctx.Err(); err != nil {
			g.rec.Release()
			return finish(err)
		}
		if cur == nil {
			var err error
			if cur, err = start(); err != nil {
				g.rec.Release()
				return finish(err)
			}
		}
		w.Rows += g.rec.NumRows()
		cur.recs <- g.rec
		if g.last {
			close(cur.recs)
			cur = nil
		}
	}
	if err := ctx.Err(); err != nil {
		return finish(err)
	}
	if cur == nil && len(writing) == 0 { // an empty log still gets one (empty) file with the schema
		var err error
		if cur, err = start(); err != nil {
			return finish(err)
		}
	}
	n := <-learners
	w, err := finish(nil)
	if err != nil {
		return w, err
	}
	w.Learners = n
	removeStaleParts(dir, len(w.Files))
	return w, nil
}

// maxWriters is how many part files are encoded at once.
const maxWriters = 2

// partWriter encodes one part file from the records sent on recs, on its
// own goroutine, committing it when recs closes unless stopped is set.
type partWriter struct {
	path string
	recs chan arrow.RecordBatch
	done chan error
	err  error
	got  bool
}

func newPartWriter(path string, sc *arrow.Schema, rowGroup int, stopped *atomic.Bool) *partWriter {
	pw := &partWriter{path: path, recs: make(chan arrow.RecordBatch, 1), done: make(chan error, 1)}
	go func() {
		part, err := createPart(path, sc, rowGroup)
		for rec := range pw.recs {
			if err == nil && !stopped.Load() {
				if werr := part.w.Write(rec); werr != nil {
					err = fmt.Errorf("features: write %s: %w", path, werr)
				}
			}
			rec.Release()
		}
		switch {
		case err != nil:
		case stopped.Load():
			err = errors.New("features: stopped")
		default:
			err = part.commit()
			part = nil
		}
		if part != nil {
			part.file.Abort()
		}
		pw.done <- err
	}()
	return pw
}

// wait returns the writer's error once it has finished.
func (pw *partWriter) wait() error {
	if !pw.got {
		pw.err, pw.got = <-pw.done, true
	}
	return pw.err
}

// group is one row group's record; last ends its part file. A group with
// err set ends the stream: the tables could not be made.
type group struct {
	rec  arrow.RecordBatch
	last bool
	err  error
}

// produce sends the row groups of the Tables tables makes, whole learners
// each, marking the group that fills a part file, until the tables end or
// stop closes; it then sends the number of learners on learners (when the
// tables ended) and closes groups.
func produce(tables tableSource, sc *arrow.Schema, opts WriteOptions, groups chan<- group, learners chan<- int, stop <-chan struct{}) {
	defer close(groups)
	b := newRecordBuilder(sc)
	defer b.release()
	var c Chunk
	inFile, n := 0, 0
	stopped := false
	err := tables(func(t *Table) bool {
		for t.Next(&c, min(opts.RowGroup, opts.RowsPerFile-inFile)) {
			inFile += c.Len()
			last := inFile >= opts.RowsPerFile
			if last {
				inFile = 0
			}
			g := group{rec: b.build(t.log, &c), last: last}
			select {
			case groups <- g:
			case <-stop:
				g.rec.Release()
				stopped = true
				return false
			}
		}
		n += t.learners
		return true
	})
	if stopped {
		return
	}
	if err != nil {
		select {
		case groups <- group{err: err}:
		case <-stop:
		}
		return
	}
	learners <- n
}

// removeStaleParts removes part files numbered from n on.
func removeStaleParts(dir string, n int) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		var i int
		if _, err := fmt.Sscanf(e.Name(), "part-%05d.parquet", &i); err == nil && i >= n && strings.HasSuffix(e.Name(), ".parquet") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// partFile is one part being written.
type partFile struct {
	file *atomicfile.File
	w    *pqarrow.FileWriter
	rows int64
}

func createPart(path string, sc *arrow.Schema, rowGroup int) (*partFile, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	props := parquet.NewWriterProperties(
		// Snappy: zstd's better ratio cost a third of the write time.
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(int64(rowGroup)),
		parquet.WithDataPageSize(64<<10),
		parquet.WithStats(false),
		// ids repeat (a learner's run, an item's attempts): dictionaries
		// only for them; the counts compress well as they are.
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("learner_id", true),
		parquet.WithDictionaryFor("item_id", true),
		parquet.WithDictionaryFor("skill_ids.list.element", true),
	)
	// Through a plain io.Writer: the Parquet writer closes a Closer, and
	// the file must stay open for Commit to sync it.
	w, err := pqarrow.NewFileWriter(sc, struct{ io.Writer }{f}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("features: write %s: %w", path, err)
	}
	return &partFile{file: f, w: w}, nil
}

func (p *partFile) commit() error {
	if err := p.w.Close(); err != nil {
		p.file.Abort()
		return fmt.Errorf("features: write %s: %w", p.file.Path(), err)
	}
	return p.file.Commit()
}

// recordBuilder turns Chunks into Arrow records, reusing its builders.
type recordBuilder struct {
	sc *arrow.Schema
	rb *array.RecordBuilder
}

func newRecordBuilder(sc *arrow.Schema) *recordBuilder {
	return &recordBuilder{sc: sc, rb: array.NewRecordBuilder(memory.DefaultAllocator, sc)}
}

func (b *recordBuilder) release() { b.rb.Release() }

// build turns c, rows of log, into a record.
func (b *recordBuilder) build(log *datasets.Log, c *Chunk) arrow.RecordBatch {
	rb := b.rb
	learner := rb.Field(0).(*array.StringBuilder)
	item := rb.Field(1).(*array.StringBuilder)
	skills := rb.Field(2).(*array.ListBuilder)
	skillVals := skills.ValueBuilder().(*array.StringBuilder)
	seq := rb.Field(3).(*array.Int64Builder)
	ind := rb.Field(4).(*array.BooleanBuilder)
	sup := rb.Field(5).(*array.BooleanBuilder)
	hints := rb.Field(6).(*array.Int32Builder)
	n := c.Len()
	learner.Reserve(n)
	item.Reserve(n)
	seq.Reserve(n)
	ind.Reserve(n)
	sup.Reserve(n)
	hints.Reserve(n)
	for _, r := range c.Row {
		learner.Append(log.Learners.ID(log.Learner[r]))
		item.Append(log.Items.ID(log.Item[r]))
		skills.Append(true)
		for _, k := range log.SkillsOf(int(r)) {
			skillVals.Append(log.SkillIDs.ID(k))
		}
		seq.UnsafeAppend(log.Seq[r])
		ind.UnsafeAppend(log.Independent[r])
		sup.UnsafeAppend(log.Supported[r])
		hints.UnsafeAppend(log.HintsUsed[r])
	}
	rb.Field(7).(*array.BooleanBuilder).AppendValues(c.SkillsFromItem, nil)
	for i, col := range [][]int32{c.PriorAttempts, c.PriorIndependent, c.PriorSupported, c.PriorFailed} {
		rb.Field(8+i).(*array.Int32Builder).AppendValues(col, nil)
	}
	rb.Field(12).(*array.Float64Builder).AppendValues(c.PriorHints, nil)
	rb.Field(13).(*array.Int32Builder).AppendValues(c.PriorHinted, nil)
	rb.Field(14).(*array.Int32Builder).AppendValues(c.ItemPriorAttempts, nil)
	rb.Field(15).(*array.Int32Builder).AppendValues(c.ItemPriorIndependent, nil)
	floats := [][]float64{
		c.SkillPrior[Failed], c.SkillPrior[SupportedSuccess], c.SkillPrior[IndependentSuccess],
		c.SkillRecent[Failed], c.SkillRecent[SupportedSuccess], c.SkillRecent[IndependentSuccess], c.SkillStreak,
	}
	floats = append(floats, c.Extra...)
	for i, col := range floats {
		rb.Field(16+i).(*array.Float64Builder).AppendValues(col, nil)
	}
	return rb.NewRecordBatch()
}
