package features

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/zpd-project/zpd/datasets"
)

// DefaultPartAttempts is WriteOptions.PartAttempts when zero: about 60 MB
// of attempts, their histories and spilled rows in memory. Parts of 2^21
// measured slower on 10M attempts (more memory faulted in per part) and
// took more memory.
const DefaultPartAttempts = 1 << 20

// TableColumns returns the log columns the feature table reads; an Extra's
// Walker reads no others (WriteLogParquet loads only these).
func TableColumns() []string {
	return []string{
		datasets.ColLearner, datasets.ColItem, datasets.ColSkills, datasets.ColSeq,
		datasets.ColIndependent, datasets.ColSupported, datasets.ColHintsUsed,
	}
}

// WriteLogParquet writes the feature table of the attempt log at path (a
// file, directory or Hive tree, as datasets.Open reads it) into dir, laid
// out as WriteParquet lays it out, holding at most about
// opts.PartAttempts attempts in memory whatever the log's size.
//
// A learner's features need all their attempts in seq order, and a log
// need not keep a learner's rows together, so a log of more attempts than
// PartAttempts is read in two passes. The first streams it once
// (datasets.Reader, with every check ReadLog applies), interns its ids,
// notes each item's skills (those of its first row that lists any: the
// skill rule reads the log as a whole) and writes each attempt to one of
// P = ⌈attempts / PartAttempts⌉ spill files in a temporary directory under
// dir, by learner (the i-th learner to appear goes to part i mod P). The
// second loads one spill file at a time as a Log over the whole log's
// vocabulary and writes its learners' rows. Learners come part by part,
// each part's in order of first appearance; a learner's features are the
// same as from the whole log in memory. A smaller log is read whole
// (datasets.ReadLog). The spill directory is removed however the call
// ends; one left by a killed run (which held a lock on it that the kernel
// has since dropped) is removed by the next streamed write into dir.
func WriteLogParquet(ctx context.Context, path, dir string, decay float64, extra Extra, opts WriteOptions) (Written, error) {
	per := int64(opts.PartAttempts)
	if per <= 0 {
		per = DefaultPartAttempts
	}
	count, err := datasets.CountRows(path)
	if err != nil {
		return Written{}, fmt.Errorf("features: %w", err)
	}
	// Arrow IPC files record no row count up front: at least 4 bytes an
	// attempt, so this over-estimates, and a part is never too large.
	rows := count.Rows + count.UncountedBytes/4
	if rows <= per {
		// Every column, so that the log is refused for what any command
		// refuses it for (the Reader of the larger path checks every
		// column too).
		log, err := datasets.ReadLog(path, datasets.ReadOptions{})
		if err != nil {
			return Written{}, fmt.Errorf("features: %w", err)
		}
		return WriteParquet(ctx, log, dir, decay, extra, opts)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Written{}, fmt.Errorf("features: %w", err)
	}
	sweepSpills(dir, time.Now())
	tmp, err := os.MkdirTemp(dir, spillPrefix)
	if err != nil {
		return Written{}, fmt.Errorf("features: %w", err)
	}
	lock, _ := lockSpill(tmp) // nil where locks are unsupported
	defer func() {
		os.RemoveAll(tmp)
		if lock != nil {
			lock.Close() // held until the directory is gone
		}
	}()
	sp, err := spillLog(ctx, path, tmp, int((rows+per-1)/per))
	if err != nil {
		return Written{}, err
	}
	ix := sp.index()
	return writeTables(ctx, dir, extra, opts, func(emit func(*Table) bool) error {
		var ld partLoader
		for p := range sp.parts {
			if err := ctx.Err(); err != nil {
				return err
			}
			log, err := ld.load(sp, p)
			if err != nil {
				return err
			}
			if !emit(newTable(log, ix, decay, extra)) {
				return nil
			}
		}
		return nil
	})
}

// spill is a log partitioned by learner into spill files, with the log's
// vocabulary. A spilled row is: uvarint learner, uvarint item, uvarint
// skill count and uvarint skills (indexes into the dictionaries), varint
// seq, a flags byte (1: right alone, 2: right with support) and varint
// hints_used. The files are private to one call, so a compact encoding
// beats Parquet or Arrow: writing and reading a row costs tens of
// nanoseconds.
type spill struct {
	dir                     string
	parts                   int
	learners, items, skills datasets.Dict
	// itemSkills[j] is item j's skills: its first row's that lists any.
	itemSkills [][]int32
	files      []*os.File
	bufs       [][]byte
	bytes      []int64 // per part
	rows       []int64 // per part
	skillRefs  []int64 // per part: skills listed by its rows
}

// spillBuffer is the write buffer of each spill file.
const spillBuffer = 256 << 10

// spillLog streams the log at path into parts spill files in dir.
func spillLog(ctx context.Context, path, dir string, parts int) (*spill, error) {
	rd, err := datasets.Open(path, datasets.ReadOptions{Columns: TableColumns()})
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	defer rd.Close()
	cols := make([]int, 0, len(TableColumns()))
	for _, name := range TableColumns() {
		idx := rd.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("features: %s: reader schema lacks column %s", path, name)
		}
		cols = append(cols, idx[0])
	}
	s := &spill{dir: dir, parts: parts, files: make([]*os.File, parts), bufs: make([][]byte, parts), bytes: make([]int64, parts),
		rows: make([]int64, parts), skillRefs: make([]int64, parts)}
	for p := range parts {
		if s.files[p], err = os.Create(s.path(p)); err != nil {
			s.close()
			return nil, fmt.Errorf("features: spill: %w", err)
		}
		s.bufs[p] = make([]byte, 0, spillBuffer)
	}
	// The Reader decodes the next batch on its own goroutine while this
	// one spills the current: decoding is most of this pass.
	recs := make(chan arrow.RecordBatch, 2)
	stop := make(chan struct{})
	go func() {
		defer close(recs)
		for rd.Next() {
			rec := rd.Record()
			rec.Retain()
			select {
			case recs <- rec:
			case <-stop:
				rec.Release()
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for rec := range recs {
			rec.Release()
		}
	}()
	var b spillBatch
	for rec := range recs {
		err := ctx.Err()
		if err == nil {
			err = s.add(&b, rec, cols)
		}
		rec.Release()
		if err != nil {
			s.close()
			return nil, err
		}
	}
	if err := rd.Err(); err != nil {
		s.close()
		return nil, fmt.Errorf("features: %w", err)
	}
	for p := range parts {
		if err := s.flush(p); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, s.close()
}

func (s *spill) path(p int) string { return filepath.Join(s.dir, fmt.Sprintf("part-%05d.spill", p)) }

// spillBatch is scratch space mapping one record batch's dictionary
// entries to the log's indexes (-1: not met yet in this batch).
type spillBatch struct {
	learner, item, skill []int32
	skills               []int32 // one row's
	row                  []byte
}

// entries returns dst resized to n entries, all -1.
func entries(dst []int32, n int) []int32 {
	dst = dst[:0]
	for range n {
		dst = append(dst, -1)
	}
	return dst
}

// intern returns the index of id in d, copying id when it is new: the
// Reader's strings live in its batch's buffers.
func intern(d *datasets.Dict, id string) int32 {
	if i, ok := d.Lookup(id); ok {
		return i
	}
	return d.Intern(strings.Clone(id))
}

// add spills the rows of rec, whose columns TableColumns are at cols.
func (s *spill) add(b *spillBatch, rec arrow.RecordBatch, cols []int) error {
	learners, ok1 := rec.Column(cols[0]).(*array.Dictionary)
	items, ok2 := rec.Column(cols[1]).(*array.Dictionary)
	list, ok3 := rec.Column(cols[2]).(*array.List)
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("features: the log reader's batch has columns %s, %s, %s, want dictionary ids and a list of them",
			rec.Column(cols[0]).DataType(), rec.Column(cols[1]).DataType(), rec.Column(cols[2]).DataType())
	}
	skillDict, ok := list.ListValues().(*array.Dictionary)
	if !ok {
		return fmt.Errorf("features: the log reader's %s holds %s, want dictionary ids", datasets.ColSkills, list.ListValues().DataType())
	}
	learnerIDs := learners.Dictionary().(*array.String)
	itemIDs := items.Dictionary().(*array.String)
	skillIDs := skillDict.Dictionary().(*array.String)
	learner := learners.Indices().(*array.Int32).Int32Values()
	item := items.Indices().(*array.Int32).Int32Values()
	skill := skillDict.Indices().(*array.Int32).Int32Values()
	offsets := list.Offsets()
	seq := rec.Column(cols[3]).(*array.Int64).Int64Values()
	independent := rec.Column(cols[4]).(*array.Boolean)
	supported := rec.Column(cols[5]).(*array.Boolean)
	hints := rec.Column(cols[6]).(*array.Int32).Int32Values()

	b.learner = entries(b.learner, learnerIDs.Len())
	b.item = entries(b.item, itemIDs.Len())
	b.skill = entries(b.skill, skillIDs.Len())
	for i := range int(rec.NumRows()) {
		// Ids are interned as rows meet them, so learner indexes follow
		// first appearance in the log.
		u := b.learner[learner[i]]
		if u < 0 {
			u = intern(&s.learners, learnerIDs.Value(int(learner[i])))
			b.learner[learner[i]] = u
		}
		j := b.item[item[i]]
		if j < 0 {
			j = intern(&s.items, itemIDs.Value(int(item[i])))
			b.item[item[i]] = j
			if int(j) >= len(s.itemSkills) {
				s.itemSkills = append(s.itemSkills, nil)
			}
		}
		b.skills = b.skills[:0]
		for _, e := range skill[offsets[i]:offsets[i+1]] {
			k := b.skill[e]
			if k < 0 {
				k = intern(&s.skills, skillIDs.Value(int(e)))
				b.skill[e] = k
			}
			b.skills = append(b.skills, k)
		}
		if s.itemSkills[j] == nil && len(b.skills) > 0 {
			s.itemSkills[j] = append([]int32(nil), b.skills...)
		}
		row := binary.AppendUvarint(b.row[:0], uint64(u))
		row = binary.AppendUvarint(row, uint64(j))
		row = binary.AppendUvarint(row, uint64(len(b.skills)))
		for _, k := range b.skills {
			row = binary.AppendUvarint(row, uint64(k))
		}
		row = binary.AppendVarint(row, seq[i])
		var flags byte
		if independent.Value(i) {
			flags |= 1
		}
		if supported.Value(i) {
			flags |= 2
		}
		row = append(row, flags)
		row = binary.AppendVarint(row, int64(hints[i]))
		b.row = row
		p := int(u) % s.parts
		if len(s.bufs[p])+len(row) > spillBuffer {
			if err := s.flush(p); err != nil {
				return err
			}
		}
		s.bufs[p] = append(s.bufs[p], row...)
		s.rows[p]++
		s.skillRefs[p] += int64(len(b.skills))
	}
	return nil
}

// flush writes part p's buffer to its file.
func (s *spill) flush(p int) error {
	if _, err := s.files[p].Write(s.bufs[p]); err != nil {
		return fmt.Errorf("features: spill: %w", err)
	}
	s.bytes[p] += int64(len(s.bufs[p]))
	s.bufs[p] = s.bufs[p][:0]
	return nil
}

// close closes the spill files (the buffers must be flushed first to
// keep their rows).
func (s *spill) close() error {
	var first error
	for p, f := range s.files {
		if f != nil {
			if err := f.Close(); err != nil && first == nil {
				first = fmt.Errorf("features: spill: %w", err)
			}
			s.files[p] = nil
		}
	}
	s.bufs = nil
	return first
}

// index returns the Index of the whole log's vocabulary, items taking the
// skills of their first row that lists any (as LogIndex does).
func (s *spill) index() *Index {
	start := make([]int32, 1, len(s.itemSkills)+1)
	var skills []int32
	for _, sk := range s.itemSkills {
		skills = append(skills, sk...)
		start = append(start, int32(len(skills)))
	}
	return NewIndex(s.items.IDs(), s.skills.IDs(), start, skills)
}

// partLoader loads spill files into one Log, reusing its memory from part
// to part.
type partLoader struct {
	buf []byte
	log datasets.Log
}

// load returns part p of s as a Log over the whole log's dictionaries,
// holding the columns of TableColumns, rows in log order. It is valid
// until the next call.
func (ld *partLoader) load(s *spill, p int) (*datasets.Log, error) {
	f, err := os.Open(s.path(p))
	if err != nil {
		return nil, fmt.Errorf("features: spill: %w", err)
	}
	defer f.Close()
	n := int(s.bytes[p])
	if cap(ld.buf) < n {
		ld.buf = make([]byte, n)
	}
	ld.buf = ld.buf[:n]
	if _, err := io.ReadFull(f, ld.buf); err != nil {
		return nil, fmt.Errorf("features: spill %s: %w", s.path(p), err)
	}
	l := &ld.log
	// The Dicts are shared, read-only, by every part.
	l.Learners, l.Items, l.SkillIDs = s.learners, s.items, s.skills
	rows := int(s.rows[p])
	l.Learner, l.Item, l.Skills = reuse(l.Learner, rows), reuse(l.Item, rows), reuse(l.Skills, int(s.skillRefs[p]))
	l.SkillStart = append(reuse(l.SkillStart, rows+1), 0)
	l.Seq, l.Independent, l.Supported, l.HintsUsed = reuse(l.Seq, rows), reuse(l.Independent, rows), reuse(l.Supported, rows), reuse(l.HintsUsed, rows)
	buf := ld.buf
	corrupt := func() (*datasets.Log, error) {
		return nil, fmt.Errorf("features: spill %s: corrupt at byte %d", s.path(p), n-len(buf))
	}
	uvarint := func() (uint64, bool) {
		v, k := binary.Uvarint(buf)
		if k <= 0 {
			return 0, false
		}
		buf = buf[k:]
		return v, true
	}
	for len(buf) > 0 {
		u, ok1 := uvarint()
		j, ok2 := uvarint()
		ns, ok3 := uvarint()
		if !ok1 || !ok2 || !ok3 || u >= uint64(s.learners.Len()) || j >= uint64(s.items.Len()) {
			return corrupt()
		}
		for range ns {
			k, ok := uvarint()
			if !ok || k >= uint64(s.skills.Len()) {
				return corrupt()
			}
			l.Skills = append(l.Skills, int32(k))
		}
		seq, k := binary.Varint(buf)
		if k <= 0 || len(buf) < k+1 {
			return corrupt()
		}
		flags := buf[k]
		buf = buf[k+1:]
		hints, k := binary.Varint(buf)
		if k <= 0 {
			return corrupt()
		}
		buf = buf[k:]
		l.Learner = append(l.Learner, int32(u))
		l.Item = append(l.Item, int32(j))
		l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
		l.Seq = append(l.Seq, seq)
		l.Independent = append(l.Independent, flags&1 != 0)
		l.Supported = append(l.Supported, flags&2 != 0)
		l.HintsUsed = append(l.HintsUsed, int32(hints))
	}
	return l, nil
}

// reuse returns s emptied with room for n elements, reallocated only when
// too small, so that parts of similar size share one allocation.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n+n/8)
	}
	return s[:0]
}
