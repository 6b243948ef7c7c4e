package datasets

import (
	"context"
	"fmt"
	"slices"
)

// DefaultBatchSize is the rows per record batch readers use when
// ReadOptions.BatchSize is zero.
const DefaultBatchSize = 1 << 16

// ReadOptions configures Open, ReadLog and Validate.
type ReadOptions struct {
	// BatchSize is the number of rows per record batch the Reader yields
	// (Parquet; IPC batches keep their written size); zero means
	// DefaultBatchSize.
	BatchSize int
	// Columns limits reading to these columns (canonical or group names);
	// nil reads every canonical and group column. ReadLog and Validate
	// always read the required columns; absent optional columns take their
	// defaults.
	Columns []string
	// MaxProblems is how many problems a ValidationReport keeps (all are
	// counted); zero means DefaultMaxProblems.
	MaxProblems int
}

func (o ReadOptions) batchSize() int {
	if o.BatchSize > 0 {
		return o.BatchSize
	}
	return DefaultBatchSize
}

func (o ReadOptions) maxProblems() int {
	if o.MaxProblems > 0 {
		return o.MaxProblems
	}
	return DefaultMaxProblems
}

// withRequired returns opts with the required columns added to a non-empty
// column selection.
func (o ReadOptions) withRequired() ReadOptions {
	if len(o.Columns) == 0 {
		return o
	}
	cols := append([]string(nil), o.Columns...)
	for _, c := range RequiredColumns() {
		found := false
		for _, have := range cols {
			found = found || have == c
		}
		if !found {
			cols = append(cols, c)
		}
	}
	o.Columns = cols
	return o
}

// withCanonical returns opts with every canonical column added to a
// non-empty column selection.
func (o ReadOptions) withCanonical() ReadOptions {
	if len(o.Columns) == 0 {
		return o
	}
	cols := slices.Clone(o.Columns)
	for _, c := range canonicalColumns {
		if !slices.Contains(cols, c.name) {
			cols = append(cols, c.name)
		}
	}
	o.Columns = cols
	return o
}

// ReadLog reads the whole log at path (a file, a directory or a Hive tree,
// as for Open) into a Log, applying the same checks as Validate. A fatal
// problem makes it fail with an error naming the file, row and column;
// non-fatal problems are counted and dropped: use ReadLogReport to see
// them. Rows keep file order (files sorted by path).
func ReadLog(path string, opts ReadOptions) (*Log, error) {
	l, _, err := ReadLogReport(path, opts)
	return l, err
}

// ReadLogReport is ReadLog that also returns the validation report (also
// when it fails on a fatal problem).
func ReadLogReport(path string, opts ReadOptions) (*Log, *ValidationReport, error) {
	opts = opts.withRequired()
	files, err := listLog(path)
	if err != nil {
		return nil, nil, err
	}
	groups, rows, skills, err := surveyLog(files, opts, false)
	if err != nil {
		return nil, nil, err
	}
	if err := checkFits(rows, skills, len(groups), availableMemory()); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	l := NewLog(groups...)
	if err := reserveLogHuge(l, int(rows), int(skills)); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	rep := &ValidationReport{}
	var st checkState
	for _, f := range files {
		rep.Files++
		start := l.Len()
		sinks, err := readFile(f, opts, l)
		if err != nil {
			return nil, rep, err
		}
		rep.Rows += int64(l.Len() - start)
		if !hasFatal(sinks) {
			checks, err := checkRowsParallel(l, start, l.Len(), 0, &st, f.path, opts.maxProblems())
			if err != nil {
				return nil, rep, fmt.Errorf("%s: %w", f.path, err)
			}
			sinks = append(sinks, checks...)
		}
		st.nextFile()
		rep.merge(opts.maxProblems(), sinks...)
		if rep.Fatal > 0 {
			return nil, rep, rep.Err()
		}
	}
	return l, rep, nil
}

// hasFatal reports whether any sink holds a fatal problem; row checks are
// skipped then, as the rows may hold placeholder values.
func hasFatal(sinks []*problemSink) bool {
	for _, s := range sinks {
		if s.fatal > 0 {
			return true
		}
	}
	return false
}

// surveyLog reads every file's footer and returns the log's group columns
// (first-seen order, file columns before partition keys) and, for sizing
// the Log up front, its Parquet row count and an upper bound on its skill
// count. With tolerant, files that cannot be opened are skipped rather
// than failing the survey.
func surveyLog(files []logFile, opts ReadOptions, tolerant bool) (groups []string, rows, skills int64, err error) {
	seen := map[string]bool{}
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	for _, f := range files {
		src, err := openSource(f, opts)
		if err != nil {
			if tolerant {
				continue
			}
			return nil, 0, 0, err
		}
		for _, t := range src.targets {
			if t.canon < 0 {
				add(t.group)
			}
		}
		for _, p := range f.partition {
			if IsGroupColumn(p.column) && wanted(opts.Columns, p.column) {
				add(p.column)
			}
		}
		if src.rows > 0 {
			rows += src.rows
			skills += src.skillLevels()
		}
		src.close()
	}
	return groups, rows, skills, nil
}

// wanted reports whether column is in the selection (an empty selection
// holds every column).
func wanted(columns []string, column string) bool {
	if len(columns) == 0 {
		return true
	}
	for _, c := range columns {
		if c == column {
			return true
		}
	}
	return false
}

// readFile appends file f to l and returns the problems its decoders found
// (one sink per column, plus one for the file's schema).
func readFile(f logFile, opts ReadOptions, l *Log) (sinks []*problemSink, err error) {
	defer recoverError(&err, f.path)
	src, err := openSource(f, opts)
	if err != nil {
		return nil, err
	}
	defer src.close()
	max := opts.maxProblems()
	schema := newSink(f.path, max)
	for _, p := range src.layout.problems {
		schema.addProblem(p)
	}
	if schema.fatal > 0 {
		return []*problemSink{schema}, nil
	}
	dec := newFileDecoder(src, schema)
	sinks = []*problemSink{schema}
	for _, c := range dec.cols {
		c.sink = newSink(f.path, max)
		sinks = append(sinks, c.sink)
	}
	if src.pq != nil {
		err = readParquetColumns(src, dec, l, opts)
	} else {
		err = readRecords(src, dec, l, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s", f.path, firstLine(err.Error()))
	}
	return sinks, nil
}

// readParquetColumns decodes a Parquet file column by column, the columns
// in parallel: each column's reader and decoder run on one goroutine and
// write only that column of l.
func readParquetColumns(src *source, dec *fileDecoder, l *Log, opts ReadOptions) error {
	off, n := l.Len(), int(src.rows)
	growRows(l, n)
	l.SkillStart = grow(l.SkillStart, len(l.SkillStart)+n)
	// Column readers reserve a whole batch up front: no more than the file.
	batch := int64(max(min(max(opts.batchSize(), 1<<17), n), 1))
	err := parallel(len(src.fields), func(j int) error {
		if leaf := src.direct(j); leaf >= 0 {
			return readDirect(src, j, leaf, l, off, dec.cols[j].sink)
		}
		if col, ok := src.stringPages(j); ok {
			return readStringPages(src, j, col, l, off, dec.cols[j])
		}
		cr, err := src.pq.GetColumn(context.Background(), src.fields[j])
		if err != nil {
			return err
		}
		defer cr.Release()
		pos := 0
		for pos < n {
			chunks, err := cr.NextBatch(batch)
			if err != nil {
				return err
			}
			if chunks.Len() == 0 {
				break
			}
			for _, arr := range chunks.Chunks() {
				if pos+arr.Len() > n {
					chunks.Release()
					return fmt.Errorf("column %s has more rows than the file's %d", src.schema.Field(src.fields[j]).Name, n)
				}
				if err := dec.cols[j].decode(arr, l, off+pos, int64(pos)); err != nil {
					chunks.Release()
					return err
				}
				pos += arr.Len()
			}
			chunks.Release()
		}
		if pos != n {
			return fmt.Errorf("column %s has %d rows, the file %d", src.schema.Field(src.fields[j]).Name, pos, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	dec.fillAbsent(l, off, n)
	return nil
}

// readRecords decodes a file record batch by record batch (IPC, whose
// batches hold every column).
func readRecords(src *source, dec *fileDecoder, l *Log, opts ReadOptions) error {
	it, err := src.records(opts.batchSize())
	if err != nil {
		return err
	}
	defer it.release()
	var fileRow int64
	for it.next() {
		rec := it.record()
		off, n := l.Len(), int(rec.NumRows())
		growRows(l, n)
		err := parallel(len(dec.cols), func(j int) error {
			return dec.cols[j].decode(rec.Column(j), l, off, fileRow)
		})
		if err != nil {
			return err
		}
		dec.fillAbsent(l, off, n)
		fileRow += int64(n)
	}
	return it.err()
}
