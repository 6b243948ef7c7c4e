package datasets

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
	"github.com/zpd-project/zpd/internal/atomicfile"
)

// Format is a storage format for attempt logs.
type Format int

const (
	// FormatByExtension, the zero Format, picks the format from the file name.
	FormatByExtension Format = iota
	// FormatParquet is Apache Parquet with zstd compression.
	FormatParquet
	// FormatIPC is the Arrow IPC file format (Feather v2) with zstd compression.
	FormatIPC
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatIPC:
		return "arrow-ipc"
	case FormatByExtension:
		return "by-extension"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatOf returns the format a file name's extension names: .parquet for
// Parquet; .arrow, .feather or .ipc for the Arrow IPC file format.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return FormatParquet, nil
	case ".arrow", ".feather", ".ipc":
		return FormatIPC, nil
	}
	return 0, fmt.Errorf("%s: unknown attempt-log extension %q (want .parquet, .arrow, .feather or .ipc)", path, filepath.Ext(path))
}

// DefaultRowGroupRows is the row-group (Parquet) or record-batch (IPC) size
// used when WriteOptions.RowGroupRows is zero. Large groups compress well and
// keep per-group overhead low; the writer buffers one group in memory.
const DefaultRowGroupRows = 1 << 20

// WriteOptions configures a Writer.
type WriteOptions struct {
	// Groups names the log's group columns, in order; Attempt.Groups aligns
	// with it. Each name should start with GroupPrefix; one that does not
	// gets the prefix added.
	Groups []string
	// RowGroupRows is the number of attempts per Parquet row group or IPC
	// record batch; zero means DefaultRowGroupRows.
	RowGroupRows int
	// Format is the storage format; the zero value picks it by extension.
	Format Format
}

// Writer writes an attempt log to one file. The file appears at its path
// only when Close succeeds; until then it is a hidden temporary file in the
// same directory, removed by Abort or a failed Close.
//
// Write buffers attempts in a columnar batch (a Log with interned ids); a
// full batch is encoded as one row group in the background, its columns in
// parallel, while Write fills the next batch.
type Writer struct {
	path   string
	format Format
	groups []string
	schema *arrow.Schema
	batch  int

	file *atomicfile.File
	pq   *parquetLog
	ipc  *ipc.FileWriter

	rows    *Log       // the batch Write fills
	app     appender   // interning caches for rows
	spare   *Log       // the batch being encoded, reused when done
	pending chan error // result of the background encode, nil when idle
	err     error      // sticky: after a failed write the Writer only aborts
	done    bool
}

// normalizeGroups returns group column names with GroupPrefix, rejecting
// duplicates and empty names.
func normalizeGroups(groups []string) ([]string, error) {
	out := make([]string, len(groups))
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		g = normalizedGroup(g)
		if !IsGroupColumn(g) {
			return nil, fmt.Errorf("empty group column name")
		}
		if seen[g] {
			return nil, fmt.Errorf("duplicate group column %q", g)
		}
		seen[g] = true
		out[i] = g
	}
	return out, nil
}

// normalizedGroup returns name with GroupPrefix.
func normalizedGroup(name string) string {
	if strings.HasPrefix(name, GroupPrefix) {
		return name
	}
	return GroupPrefix + name
}

// Create starts writing an attempt log to path. The directory must exist.
func Create(path string, opts WriteOptions) (w *Writer, err error) {
	defer recoverError(&err, path)
	format := opts.Format
	if format == FormatByExtension {
		if format, err = FormatOf(path); err != nil {
			return nil, err
		}
	}
	if format != FormatParquet && format != FormatIPC {
		return nil, fmt.Errorf("%s: unknown format %v", path, format)
	}
	groups, err := normalizeGroups(opts.Groups)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	batch := opts.RowGroupRows
	if batch <= 0 {
		batch = DefaultRowGroupRows
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w = &Writer{path: path, format: format, groups: groups, schema: Schema(groups...), batch: batch, file: f}
	if err := w.open(); err != nil {
		f.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.rows = NewLog(groups...)
	return w, nil
}

// open starts the format's encoder on the temporary file.
func (w *Writer) open() error {
	var err error
	switch w.format {
	case FormatParquet:
		w.pq, err = newParquetLog(w.file, w.schema, w.groups, w.batch)
	case FormatIPC:
		// The IPC writer does not close its sink, but hide Close anyway so
		// that the atomic file is only ever closed by Commit or Abort.
		w.ipc, err = ipc.NewFileWriter(writerOnly{w.file}, ipc.WithSchema(w.schema), ipc.WithZstd())
	}
	return err
}

// Groups returns the writer's group column names, with GroupPrefix.
func (w *Writer) Groups() []string { return w.groups }

// usable reports why the writer cannot take more attempts, if it cannot.
func (w *Writer) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("%s: write after close", w.path)
	}
	return nil
}

// Write appends one attempt. a.Groups aligns with the writer's groups; a
// shorter slice leaves the rest unknown. Attempts are buffered and written a
// row group at a time; a failure may surface on a later Write or on Close.
func (w *Writer) Write(a *Attempt) error {
	if err := w.usable(); err != nil {
		return err
	}
	if n := w.rows.Len(); n == cap(w.rows.Learner) {
		// Grow every column at once: small writes stay small, and a
		// long write jumps to the batch size instead of copying large
		// columns again at every doubling.
		next := 1 << 12
		if n >= next {
			next = w.batch
		}
		reserveLog(w.rows, min(w.batch, next))
	}
	w.app.append(w.rows, a)
	if w.rows.Len() >= w.batch {
		return w.flush()
	}
	return nil
}

// flush starts encoding the buffered batch in the background, after the
// previous one has finished.
func (w *Writer) flush() error {
	if w.rows.Len() == 0 {
		return nil
	}
	if err := w.wait(); err != nil {
		return err
	}
	full := w.rows
	w.app.reset()
	if w.spare != nil {
		w.rows, w.spare = w.spare, nil
		resetLog(w.rows)
	} else {
		w.rows = NewLog(w.groups...)
	}
	w.pending = make(chan error, 1)
	go func() {
		err := w.encode(full, 0, full.Len())
		w.spare = full
		w.pending <- err
	}()
	return nil
}

// wait blocks until the background encode, if any, has finished.
func (w *Writer) wait() error {
	if w.pending == nil {
		return w.err
	}
	err := <-w.pending
	w.pending = nil
	if err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// encode writes rows [start, end) of l as one row group or record batch.
func (w *Writer) encode(l *Log, start, end int) (err error) {
	defer recoverError(&err, w.path)
	switch w.format {
	case FormatParquet:
		err = w.pq.writeRows(l, start, end)
	case FormatIPC:
		var rec arrow.RecordBatch
		if rec, err = logRecord(w.schema, w.groups, l, start, end); err == nil {
			err = w.ipc.Write(rec)
			rec.Release()
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// WriteLog appends every attempt of l, a column at a time: attempts
// buffered by Write are flushed first, then l's rows are written as row
// groups of at most RowGroupRows (so each call starts a row group; callers
// streaming chunks should make them large, 100K rows or more). Group
// columns are matched by name: a writer group the log lacks is written
// unknown, a log group the writer lacks is not written.
func (w *Writer) WriteLog(l *Log) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := checkLogShape(l); err != nil {
		w.err = fmt.Errorf("write %s: %w", w.path, err)
		return w.err
	}
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	for start := 0; start < l.Len(); start += w.batch {
		if err := w.encode(l, start, min(start+w.batch, l.Len())); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// Close writes any buffered attempts and the file footer, syncs the file and
// renames it into place. After a failed Close nothing is left at the path.
func (w *Writer) Close() (err error) {
	defer recoverError(&err, w.path)
	if w.done {
		return fmt.Errorf("%s: writer already closed", w.path)
	}
	if err := w.flush(); err != nil {
		w.Abort()
		return err
	}
	if err := w.wait(); err != nil {
		w.Abort()
		return err
	}
	w.done = true
	switch w.format {
	case FormatParquet:
		err = w.pq.close()
	case FormatIPC:
		err = w.ipc.Close()
	}
	if err != nil {
		w.file.Abort()
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return w.file.Commit()
}

// Abort discards everything written: no file is left at the path. It is safe
// after Close (it then does nothing), so `defer w.Abort()` is the usual
// pattern.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.wait()
	if err := w.file.Abort(); err != nil {
		return fmt.Errorf("abort %s: %w", w.path, err)
	}
	return nil
}

// resetLog empties l for reuse, keeping its capacity.
func resetLog(l *Log) {
	l.Learners, l.Items, l.SkillIDs = Dict{}, Dict{}, Dict{}
	l.Learner, l.Item = l.Learner[:0], l.Item[:0]
	l.SkillStart, l.Skills = append(l.SkillStart[:0], 0), l.Skills[:0]
	l.Seq, l.TimeMS = l.Seq[:0], l.TimeMS[:0]
	l.Independent, l.Supported = l.Independent[:0], l.Supported[:0]
	l.HintsUsed, l.HintsAvailable, l.Retries = l.HintsUsed[:0], l.HintsAvailable[:0], l.Retries[:0]
	l.Scaffolded, l.AnswerGiven = l.Scaffolded[:0], l.AnswerGiven[:0]
	l.ResponseMS, l.Difficulty = l.ResponseMS[:0], l.Difficulty[:0]
	for g := range l.Groups {
		clear(l.Groups[g])
		l.Groups[g] = l.Groups[g][:0]
	}
}

// reserveLogHuge is reserveLog for a log about to be filled at once (a
// whole file read), with room for skills skill ids. The columns are
// allocated concurrently, as zeroing (or faulting in) a large log's memory
// takes about as long as decoding into it, and laid out for huge pages.
// It fails only if an allocation panics.
func reserveLogHuge(l *Log, n, skills int) error {
	tasks := []func(){
		func() { reserveHuge(&l.Learner, n) },
		func() { reserveHuge(&l.Item, n) },
		func() { reserveHuge(&l.SkillStart, n+1) },
		func() { reserveHuge(&l.Skills, max(n, skills)) },
		func() { reserveHuge(&l.Seq, n) },
		func() { reserveHuge(&l.TimeMS, n) },
		func() { reserveHuge(&l.Independent, n) },
		func() { reserveHuge(&l.Supported, n) },
		func() { reserveHuge(&l.HintsUsed, n) },
		func() { reserveHuge(&l.HintsAvailable, n) },
		func() { reserveHuge(&l.Retries, n) },
		func() { reserveHuge(&l.Scaffolded, n) },
		func() { reserveHuge(&l.AnswerGiven, n) },
		func() { reserveHuge(&l.ResponseMS, n) },
		func() { reserveHuge(&l.Difficulty, n) },
	}
	for g := range l.Groups {
		tasks = append(tasks, func() { reserveHuge(&l.Groups[g], n) })
	}
	return parallel(len(tasks), func(i int) error { tasks[i](); return nil })
}

// reserveHuge grows *s to hold n elements, in memory laid out for huge
// pages (see parquetread.HugeSlice).
func reserveHuge[T any](s *[]T, n int) {
	if cap(*s) >= n {
		return
	}
	*s = append(parquetread.HugeSlice[T](max(n, 2*cap(*s))), *s...)
}

// reserveLog grows l's columns to hold n rows without reallocating.
func reserveLog(l *Log, n int) {
	l.Learner = grow(l.Learner, n)
	l.Item = grow(l.Item, n)
	l.SkillStart = grow(l.SkillStart, n+1)
	l.Skills = grow(l.Skills, n)
	l.Seq = grow(l.Seq, n)
	l.TimeMS = grow(l.TimeMS, n)
	l.Independent = grow(l.Independent, n)
	l.Supported = grow(l.Supported, n)
	l.HintsUsed = grow(l.HintsUsed, n)
	l.HintsAvailable = grow(l.HintsAvailable, n)
	l.Retries = grow(l.Retries, n)
	l.Scaffolded = grow(l.Scaffolded, n)
	l.AnswerGiven = grow(l.AnswerGiven, n)
	l.ResponseMS = grow(l.ResponseMS, n)
	l.Difficulty = grow(l.Difficulty, n)
	for g := range l.Groups {
		l.Groups[g] = grow(l.Groups[g], n)
	}
}

// grow returns s with capacity for at least n elements, at least doubling
// the capacity of a non-empty s so that growing in steps stays linear.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s
	}
	if cap(s) > 0 {
		n = max(n, 2*cap(s))
	}
	return append(make([]T, 0, n), s...)
}
