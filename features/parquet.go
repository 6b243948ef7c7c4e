package features

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
// Memory holds the log and one row group of output.
func WriteParquet(ctx context.Context, log *datasets.Log, dir string, decay float64, extra Extra, opts WriteOptions) (Written, error) {
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
	t := NewTable(log, decay, extra)
	// One goroutine computes the features and builds each row group's
	// record while this one encodes the previous: encoding is most of the
	// cost, so the two overlap on two cores.
	groups := make(chan group, 1)
	stop := make(chan struct{})
	go produce(t, sc, log, opts, groups, stop)
	defer func() {
		close(stop)
		for g := range groups { // let the producer finish
			g.rec.Release()
		}
	}()
	var w Written
	var part *partFile
	abort := func(err error) (Written, error) {
		if part != nil {
			part.file.Abort()
		}
		for _, f := range w.Files {
			os.Remove(filepath.Join(dir, f))
		}
		return Written{}, err
	}
	for g := range groups {
		if err := ctx.Err(); err != nil {
			g.rec.Release()
			return abort(err)
		}
		if part == nil {
			var err error
			if part, err = createPart(filepath.Join(dir, PartName(len(w.Files))), sc, opts.RowGroup); err != nil {
				g.rec.Release()
				return abort(err)
			}
		}
		err := part.w.Write(g.rec)
		n := g.rec.NumRows()
		g.rec.Release()
		if err != nil {
			return abort(fmt.Errorf("features: write %s: %w", part.file.Path(), err))
		}
		w.Rows += n
		if g.last {
			if err := part.commit(); err != nil {
				return abort(err)
			}
			w.Files = append(w.Files, filepath.Base(part.file.Path()))
			part = nil
		}
	}
	if part == nil && len(w.Files) == 0 { // an empty log still gets one (empty) file with the schema
		var err error
		if part, err = createPart(filepath.Join(dir, PartName(0)), sc, opts.RowGroup); err != nil {
			return abort(err)
		}
	}
	if part != nil {
		if err := part.commit(); err != nil {
			return abort(err)
		}
		w.Files = append(w.Files, filepath.Base(part.file.Path()))
	}
	for _, l := range t.hist {
		if len(l) > 0 {
			w.Learners++
		}
	}
	removeStaleParts(dir, len(w.Files))
	return w, nil
}

// group is one row group's record; last ends its part file.
type group struct {
	rec  arrow.RecordBatch
	last bool
}

// produce sends the table's row groups, whole learners each, marking the
// group that fills a part file, until the table ends or stop closes; it
// closes groups.
func produce(t *Table, sc *arrow.Schema, log *datasets.Log, opts WriteOptions, groups chan<- group, stop <-chan struct{}) {
	defer close(groups)
	b := newRecordBuilder(sc, log)
	defer b.release()
	var c Chunk
	inFile := 0
	for t.Next(&c, min(opts.RowGroup, opts.RowsPerFile-inFile)) {
		inFile += c.Len()
		last := inFile >= opts.RowsPerFile
		if last {
			inFile = 0
		}
		g := group{rec: b.build(&c), last: last}
		select {
		case groups <- g:
		case <-stop:
			g.rec.Release()
			return
		}
	}
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
	sc  *arrow.Schema
	log *datasets.Log
	rb  *array.RecordBuilder
}

func newRecordBuilder(sc *arrow.Schema, log *datasets.Log) *recordBuilder {
	return &recordBuilder{sc: sc, log: log, rb: array.NewRecordBuilder(memory.DefaultAllocator, sc)}
}

func (b *recordBuilder) release() { b.rb.Release() }

func (b *recordBuilder) build(c *Chunk) arrow.RecordBatch {
	log, rb := b.log, b.rb
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
