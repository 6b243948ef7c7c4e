package datasets

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ReadSchema returns the schema of the records a Reader yields: the
// canonical schema with learner_id, item_id, the skill ids and the group
// columns as dictionary<int32, utf8> arrays, so that consumers intern ids
// per dictionary entry rather than per row.
func ReadSchema(groups ...string) *arrow.Schema {
	sc := Schema(groups...)
	fields := sc.Fields()
	for i, f := range fields {
		switch {
		case f.Name == ColLearner || f.Name == ColItem || IsGroupColumn(f.Name):
			fields[i].Type = dictType
		case f.Name == ColSkills:
			fields[i].Type = arrow.ListOf(dictType)
		}
	}
	md := sc.Metadata()
	return arrow.NewSchema(fields, &md)
}

// Reader streams an attempt log as Arrow record batches with bounded
// memory: one file open at a time, one batch decoded at a time. Every
// batch goes through the same decoders and checks as ReadLog and
// Validate; a fatal problem stops the Reader with an error naming file,
// row and column.
type Reader struct {
	files  []logFile
	opts   ReadOptions
	schema *arrow.Schema
	groups []string
	out    []int // output columns: canonical index, or numCanonical+g for group g

	next    int // index of the next file to open
	src     *source
	it      recordIter
	dec     *fileDecoder
	sink    *problemSink
	fileRow int64

	scratch *Log
	compact [3]idCompactor // learner, item and skill dictionaries per batch
	st      checkState
	report  ValidationReport
	cur     arrow.RecordBatch
	err     error
	// validating makes the Reader skip past fatal problems and build no
	// records (Validate).
	validating bool
}

// Open opens the attempt log at path for streaming. path is one Parquet or
// Arrow IPC file, a directory of such files (read recursively in path
// order), or a Hive-partitioned tree whose key=value directories become
// columns (group_school=X fills group column group_school; a key without
// the prefix gets it; learner_id and item_id fill those columns). Only the
// columns in opts.Columns are read when it is set.
func Open(path string, opts ReadOptions) (*Reader, error) {
	return newReader(path, opts, false)
}

// newReader opens a Reader; a validating one tolerates unreadable files
// (they become problems when their turn comes).
func newReader(path string, opts ReadOptions, validating bool) (*Reader, error) {
	files, err := listLog(path)
	if err != nil {
		return nil, err
	}
	groups, _, _, err := surveyLog(files, opts, validating)
	if err != nil {
		return nil, err
	}
	r := &Reader{files: files, opts: opts, groups: groups, scratch: NewLog(groups...), validating: validating}
	full := ReadSchema(groups...)
	var fields []arrow.Field
	for c := range canonicalColumns {
		if wanted(opts.Columns, canonicalColumns[c].name) {
			r.out = append(r.out, c)
			fields = append(fields, full.Field(c))
		}
	}
	for g := range groups {
		r.out = append(r.out, numCanonical+g)
		fields = append(fields, full.Field(numCanonical+g))
	}
	md := full.Metadata()
	r.schema = arrow.NewSchema(fields, &md)
	return r, nil
}

// Schema returns the schema of the records: ReadSchema's columns limited
// to ReadOptions.Columns, with the log's group columns (from every file
// and partition directory).
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next advances to the next record batch and reports whether there is one.
func (r *Reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for r.err == nil {
		if r.it == nil && !r.openNext() {
			return false
		}
		if r.it == nil {
			continue // file skipped (Validate)
		}
		ok, err := r.nextBatch()
		if err != nil {
			r.fail(err)
			continue
		}
		if ok {
			return true
		}
		r.closeFile()
	}
	return false
}

// fail records err for the current file: it stops the Reader, unless the
// Reader is validating, when it becomes a fatal problem of the file and
// reading moves on to the next file.
func (r *Reader) fail(err error) {
	if !r.validating || r.src == nil && r.sink == nil {
		r.err = err
		return
	}
	r.sink.addProblem(errorProblem(r.sink.file, err))
	r.closeFile()
}

// openNext opens the next file and reports whether there was one. A file
// that fails to open leaves r.it nil (and r.err set unless validating).
func (r *Reader) openNext() bool {
	if r.next >= len(r.files) {
		return false
	}
	f := r.files[r.next]
	r.next++
	r.report.Files++
	r.sink = newSink(f.path, r.opts.maxProblems())
	r.fileRow = 0
	// Every canonical column is decoded, whatever opts.Columns asks for,
	// so that a file breaking a fatal rule in a column the caller does not
	// read (negative hints_used for zpd score) is refused here as
	// Validate, ReadLog and train refuse it: one verdict in every command.
	src, err := openSource(f, r.opts.withCanonical())
	if err != nil {
		r.fail(err)
		return true
	}
	for _, p := range src.layout.problems {
		r.sink.addProblem(p)
	}
	if len(src.layout.problems) > 0 {
		src.close()
		if !r.validating {
			r.err = src.layout.problems[0]
		}
		r.closeFile()
		return true
	}
	it, err := src.records(r.opts.batchSize())
	if err != nil {
		src.close()
		r.fail(err)
		return true
	}
	r.src, r.it = src, it
	r.dec = newFileDecoder(src, r.sink)
	return true
}

// nextBatch decodes and checks the next batch of the open file.
func (r *Reader) nextBatch() (ok bool, err error) {
	defer recoverError(&err, r.src.file.path)
	if !r.it.next() {
		if err := r.it.err(); err != nil {
			return false, fmt.Errorf("%s: %s", r.src.file.path, firstLine(err.Error()))
		}
		return false, nil
	}
	rec := r.it.record()
	n := int(rec.NumRows())
	resetRows(r.scratch)
	growRows(r.scratch, n)
	fatal := r.sink.fatal
	if err := r.dec.decodeRecord(rec, r.scratch, 0, r.fileRow); err != nil {
		return false, fmt.Errorf("%s: %s", r.src.file.path, firstLine(err.Error()))
	}
	if r.sink.fatal == fatal {
		checkRows(r.scratch, 0, n, r.fileRow, &r.st, r.sink)
	}
	r.fileRow += int64(n)
	r.report.Rows += int64(n)
	if r.sink.fatal > fatal && !r.validating {
		return false, firstFatal(r.sink)
	}
	if !r.validating {
		r.cur = r.record()
	}
	return true, nil
}

// firstFatal returns the sink's first fatal problem.
func firstFatal(s *problemSink) error {
	for _, p := range s.list {
		if p.Fatal {
			return p
		}
	}
	return fmt.Errorf("%s: fatal problem", s.file)
}

// closeFile finishes the open file: its problems go to the report.
func (r *Reader) closeFile() {
	if r.it != nil {
		r.it.release()
		r.it = nil
	}
	if r.src != nil {
		r.src.close()
		r.src = nil
	}
	if r.sink != nil {
		r.report.merge(r.opts.maxProblems(), r.sink)
		r.sink = nil
	}
	r.st.nextFile()
}

// record builds the output record from the decoded batch.
func (r *Reader) record() arrow.RecordBatch {
	l := r.scratch
	n := l.Len()
	cols := make([]arrow.Array, 0, len(r.out))
	for _, c := range r.out {
		cols = append(cols, r.column(l, c))
	}
	rec := array.NewRecordBatch(r.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// column builds output column c (see Reader.out) of the batch in l. Values
// are copied, so a retained record outlives the next batch.
func (r *Reader) column(l *Log, c int) arrow.Array {
	n := l.Len()
	if c >= numCanonical {
		return groupDictColumn(l.Groups[c-numCanonical], n)
	}
	switch c {
	case colLearner:
		return dictColumn(l.Learners.IDs(), l.Learner, &r.compact[0])
	case colItem:
		return dictColumn(l.Items.IDs(), l.Item, &r.compact[1])
	case colSkills:
		return skillDictLists(l, &r.compact[2])
	case colSeq:
		return int64Column(arrow.PrimitiveTypes.Int64, slices.Clone(l.Seq), 0, false)
	case colTime:
		return int64Column(r.schema.Field(r.fieldOf(colTime)).Type, slices.Clone(l.TimeMS), NoTime, true)
	case colIndependent:
		return boolColumn(l.Independent)
	case colSupported:
		return boolColumn(l.Supported)
	case colHintsUsed:
		return int32Column(slices.Clone(l.HintsUsed), 0, false)
	case colHintsAvailable:
		return int32Column(slices.Clone(l.HintsAvailable), Unknown, true)
	case colRetries:
		return int32Column(slices.Clone(l.Retries), 0, false)
	case colScaffolded:
		return boolColumn(l.Scaffolded)
	case colAnswerGiven:
		return boolColumn(l.AnswerGiven)
	case colResponseMS:
		return float64Column(slices.Clone(l.ResponseMS))
	case colDifficulty:
		return float64Column(slices.Clone(l.Difficulty))
	}
	panic(fmt.Sprintf("datasets: no output column %d", c))
}

// fieldOf returns the output field index of canonical column c.
func (r *Reader) fieldOf(c int) int {
	for i, o := range r.out {
		if o == c {
			return i
		}
	}
	return -1
}

// skillDictLists returns l's skill lists as list<dictionary> over the
// skills the batch uses.
func skillDictLists(l *Log, c *idCompactor) arrow.Array {
	values := dictColumn(l.SkillIDs.IDs(), l.Skills, c)
	defer values.Release()
	offsets := slices.Clone(l.SkillStart)
	data := array.NewData(arrow.ListOf(dictType), l.Len(), []*memory.Buffer{nil, bytesBuffer(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{values.Data()}, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// Record returns the current batch. It is valid until the next call to
// Next; Retain it to keep it longer.
func (r *Reader) Record() arrow.Record { return r.cur }

// Err returns the error that stopped the Reader, if any.
func (r *Reader) Err() error { return r.err }

// Report returns the problems found so far: the non-fatal ones of every
// batch read, and the fatal one that stopped the Reader.
func (r *Reader) Report() *ValidationReport {
	rep := r.report
	if r.sink != nil {
		rep.Problems = slices.Clone(rep.Problems)
		rep.Counts = cloneCounts(rep.Counts)
		rep.merge(r.opts.maxProblems(), r.sink)
	}
	return &rep
}

func cloneCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Close releases the Reader's files and the current record.
func (r *Reader) Close() error {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.closeFile()
	r.next = len(r.files)
	return nil
}
