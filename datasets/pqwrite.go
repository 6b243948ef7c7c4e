package datasets

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetLog encodes Log rows into Parquet row groups. It bypasses
// pqarrow.FileWriter so that the columns of a row group are encoded in
// parallel and id columns go in as Arrow dictionaries built from the Log's
// interned ids, which Parquet stores without hashing every row again.
type parquetLog struct {
	w      *file.Writer
	schema *arrow.Schema
	groups []string
}

// newParquetLog starts a Parquet file with the canonical schema on sink.
func newParquetLog(sink interface{ Write([]byte) (int, error) }, sc *arrow.Schema, groups []string, rowGroup int) (*parquetLog, error) {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		// Level 1 (zstd "fastest") keeps the writer ahead of the simulator;
		// higher levels cost several times the CPU for a few percent.
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryPageSizeLimit(256 << 20),
		parquet.WithMaxRowGroupLength(int64(rowGroup)),
		parquet.WithDataPageSize(1 << 20),
		parquet.WithStats(false),
	}
	for _, c := range []string{ColLearner, ColItem, ColSkills + ".list.element"} {
		opts = append(opts, parquet.WithDictionaryFor(c, true))
	}
	for _, g := range groups {
		opts = append(opts, parquet.WithDictionaryFor(g, true))
	}
	props := parquet.NewWriterProperties(opts...)
	psc, err := pqarrow.ToParquet(sc, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, err
	}
	md := metadata.KeyValueMetadata{}
	md.Append(SchemaVersionKey, SchemaVersion)
	w, err := file.NewParquetWriterWithError(writerOnly{sink}, psc.Root(), file.WithWriterProps(props), file.WithWriteMetadata(md))
	if err != nil {
		return nil, err
	}
	return &parquetLog{w: w, schema: sc, groups: groups}, nil
}

// writerOnly hides any Close method of the sink: the Parquet writer closes
// its sink, but the atomic file must stay open for its sync and rename.
type writerOnly struct {
	w interface{ Write([]byte) (int, error) }
}

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// writeRows writes rows [start, end) of l as one row group, encoding the
// columns in parallel.
func (p *parquetLog) writeRows(l *Log, start, end int) (err error) {
	rgw, err := p.w.AppendBufferedRowGroupChecked()
	if err != nil {
		return err
	}
	tasks := p.columnTasks(l, start, end)
	cws := make([]file.ColumnChunkWriter, len(tasks))
	for i := range tasks {
		if cws[i], err = rgw.Column(i); err != nil {
			return err
		}
	}
	err = parallel(len(tasks), func(i int) error {
		ctx := pqarrow.NewArrowWriteContext(context.Background(), nil)
		return tasks[i](ctx, cws[i])
	})
	if err != nil {
		return err
	}
	return rgw.Close()
}

// close writes the footer.
func (p *parquetLog) close() error { return p.w.Close() }

// parallel runs task(0..n-1) on up to GOMAXPROCS goroutines and returns the
// first error. A panic in a task (the encoders panic on some bad input)
// becomes that task's error instead of killing the process.
func parallel(n int, task func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var (
		next int64 = -1
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= n {
					return
				}
				if err := runTask(task, i); err != nil {
					mu.Lock()
					if errs == nil {
						errs = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return errs
}

// runTask calls task(i), turning a panic into an error.
func runTask(task func(i int) error, i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s", firstLine(fmt.Sprint(r)))
		}
	}()
	return task(i)
}

// columnTask writes one leaf column of a row group.
type columnTask func(ctx context.Context, cw file.ColumnChunkWriter) error

// columnTasks returns one task per Parquet leaf column, in schema order.
func (p *parquetLog) columnTasks(l *Log, start, end int) []columnTask {
	whole := start == 0 && end == l.Len()
	dense := func(arr func() arrow.Array, nullable bool) columnTask {
		return func(ctx context.Context, cw file.ColumnChunkWriter) error {
			a := arr()
			defer a.Release()
			return pqarrow.WriteArrowToColumn(ctx, cw, a, flatDefLevels(a, nullable), nil, nullable)
		}
	}
	compactor := func() *idCompactor {
		if whole {
			return nil // a batch's own dictionary: every id is used
		}
		return &idCompactor{}
	}
	ids := func(d *Dict, idx []int32) columnTask {
		return func(ctx context.Context, cw file.ColumnChunkWriter) error {
			a := dictColumn(d.IDs(), idx, compactor())
			defer a.Release()
			return pqarrow.WriteArrowToColumn(ctx, cw, a, nil, nil, false)
		}
	}
	tasks := []columnTask{
		ids(&l.Learners, l.Learner[start:end]),
		ids(&l.Items, l.Item[start:end]),
		func(ctx context.Context, cw file.ColumnChunkWriter) error {
			return writeSkills(ctx, cw, l, start, end, compactor())
		},
		dense(func() arrow.Array { return int64Column(arrow.PrimitiveTypes.Int64, l.Seq[start:end], 0, false) }, false),
		dense(func() arrow.Array {
			return int64Column(p.schema.Field(4).Type, l.TimeMS[start:end], NoTime, true)
		}, true),
		dense(func() arrow.Array { return boolColumn(l.Independent[start:end]) }, false),
		dense(func() arrow.Array { return boolColumn(l.Supported[start:end]) }, false),
		dense(func() arrow.Array { return int32Column(l.HintsUsed[start:end], 0, false) }, false),
		dense(func() arrow.Array { return int32Column(l.HintsAvailable[start:end], Unknown, true) }, true),
		dense(func() arrow.Array { return int32Column(l.Retries[start:end], 0, false) }, false),
		dense(func() arrow.Array { return boolColumn(l.Scaffolded[start:end]) }, false),
		dense(func() arrow.Array { return boolColumn(l.AnswerGiven[start:end]) }, false),
		dense(func() arrow.Array { return float64Column(l.ResponseMS[start:end]) }, true),
		dense(func() arrow.Array { return float64Column(l.Difficulty[start:end]) }, true),
	}
	for _, name := range p.groups {
		col := logGroup(l, name)
		tasks = append(tasks, func(ctx context.Context, cw file.ColumnChunkWriter) error {
			var vals []string
			if col != nil {
				vals = col[start:end]
			}
			a := groupDictColumn(vals, end-start)
			defer a.Release()
			return pqarrow.WriteArrowToColumn(ctx, cw, a, flatDefLevels(a, true), nil, true)
		})
	}
	return tasks
}

// logGroup returns the values of l's group column name, or nil.
func logGroup(l *Log, name string) []string {
	for g, have := range l.GroupNames {
		if normalizedGroup(have) == name && g < len(l.Groups) {
			return l.Groups[g]
		}
	}
	return nil
}

// flatDefLevels returns definition levels for a flat column: 1 where a
// value is present, 0 where null; nil for a required column.
func flatDefLevels(a arrow.Array, nullable bool) []int16 {
	if !nullable {
		return nil
	}
	def := make([]int16, a.Len())
	for i := range def {
		if a.IsValid(i) {
			def[i] = 1
		}
	}
	return def
}

var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictColumn returns idx as a dictionary array over ids. With a
// compactor, the dictionary keeps only the ids idx uses, so a row group or
// batch of a large log does not carry the whole log's dictionary.
func dictColumn(ids []string, idx []int32, c *idCompactor) arrow.Array {
	if c != nil {
		ids, idx = c.compact(ids, idx)
	}
	dict := stringArray(ids)
	defer dict.Release()
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{nil, bytesBuffer(arrow.Int32Traits.CastToBytes(idx))}, nil, 0, 0)
	defer data.Release()
	indices := array.MakeFromData(data)
	defer indices.Release()
	return array.NewDictionaryArray(dictType, indices, dict)
}

// idCompactor renumbers the ids a batch uses into a dense dictionary in
// first-use order. It keeps its scratch between batches, marking entries
// with the batch's epoch instead of clearing, so a batch costs O(its rows)
// however many ids the log has.
type idCompactor struct {
	epoch uint32
	mark  []uint32 // mark[id] == epoch when slot[id] holds id's new index
	slot  []int32
}

// compact returns the ids idx refers to and idx renumbered into them.
func (c *idCompactor) compact(ids []string, idx []int32) ([]string, []int32) {
	c.epoch++
	if c.epoch == 0 { // wrapped: old marks could collide
		clear(c.mark)
		c.epoch = 1
	}
	if len(c.mark) < len(ids) {
		c.mark = append(c.mark, make([]uint32, len(ids)-len(c.mark))...)
		c.slot = append(c.slot, make([]int32, len(ids)-len(c.slot))...)
	}
	var used []string
	out := make([]int32, len(idx))
	for r, i := range idx {
		if c.mark[i] != c.epoch {
			c.mark[i], c.slot[i] = c.epoch, int32(len(used))
			used = append(used, ids[i])
		}
		out[r] = c.slot[i]
	}
	return used, out
}

// stringArray returns ids as an Arrow string array.
func stringArray(ids []string) arrow.Array {
	size := 0
	for _, s := range ids {
		size += len(s)
	}
	offsets := make([]int32, len(ids)+1)
	data := make([]byte, 0, size)
	for i, s := range ids {
		data = append(data, s...)
		offsets[i+1] = int32(len(data))
	}
	return array.NewStringData(array.NewData(arrow.BinaryTypes.String, len(ids),
		[]*memory.Buffer{nil, bytesBuffer(arrow.Int32Traits.CastToBytes(offsets)), memory.NewBufferBytes(data)}, nil, 0, 0))
}

// groupDictColumn interns vals (n of them; nil means all unknown) into a
// dictionary array with "" as null. Group values come in long runs (one
// learner's school), so comparing with the previous value skips most
// hashing.
func groupDictColumn(vals []string, n int) arrow.Array {
	idx := make([]int32, n)
	index := map[string]int32{}
	var ids []string
	prev, prevIdx := "", int32(-1)
	valid := make([]bool, n)
	for i, v := range vals {
		if v == "" {
			continue
		}
		valid[i] = true
		if prevIdx >= 0 && v == prev {
			idx[i] = prevIdx
			continue
		}
		j, ok := index[v]
		if !ok {
			j = int32(len(ids))
			index[v] = j
			ids = append(ids, v)
		}
		idx[i], prev, prevIdx = j, v, j
	}
	bits, nulls := validity(n, func(i int) bool { return !valid[i] })
	dict := stringArray(ids)
	defer dict.Release()
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{bits, bytesBuffer(arrow.Int32Traits.CastToBytes(idx))}, nil, nulls, 0)
	defer data.Release()
	indices := array.MakeFromData(data)
	defer indices.Release()
	return array.NewDictionaryArray(dictType, indices, dict)
}

// writeSkills writes the skill_ids list column: the leaf values are the
// skills of rows [start, end) and the levels mark where each row's list
// starts (repetition 0) and which lists are empty.
func writeSkills(ctx context.Context, cw file.ColumnChunkWriter, l *Log, start, end int, compact *idCompactor) error {
	li := cw.LevelInfo()
	base, top := l.SkillStart[start], l.SkillStart[end]
	n := int(top-base) + (end - start)
	def := make([]int16, 0, n)
	rep := make([]int16, 0, n)
	emptyDef := li.RepeatedAncestorDefLevel - 1
	for i := start; i < end; i++ {
		k := l.SkillStart[i+1] - l.SkillStart[i]
		if k == 0 {
			def = append(def, emptyDef)
			rep = append(rep, 0)
			continue
		}
		def = append(def, li.DefLevel)
		rep = append(rep, 0)
		for j := int32(1); j < k; j++ {
			def = append(def, li.DefLevel)
			rep = append(rep, li.RepLevel)
		}
	}
	a := dictColumn(l.SkillIDs.IDs(), l.Skills[base:top], compact)
	defer a.Release()
	return pqarrow.WriteArrowToColumn(ctx, cw, a, def, rep, true)
}
