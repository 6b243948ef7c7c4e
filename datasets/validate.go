package datasets

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
)

// Problem is one thing wrong with a log: a file, a row in it (0-based, -1
// for the whole file), a column ("" for none) and what is wrong. Fatal
// problems make ReadLog fail; others are reported and the data kept as
// recorded.
type Problem struct {
	File    string
	Row     int64
	Column  string
	Message string
	Fatal   bool
}

// String returns "file: row N: column C: message", leaving out the row or
// column when the problem has none.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Row >= 0 {
		fmt.Fprintf(&b, ": row %d", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ": column %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Error returns the String form, so a fatal Problem can be returned as an
// error.
func (p Problem) Error() string { return p.String() }

// kind is the key problems are counted under: the column and the message,
// which never includes row values.
func (p Problem) kind() string {
	if p.Column == "" {
		return p.Message
	}
	return p.Column + ": " + p.Message
}

// DefaultMaxProblems is how many problems a ValidationReport keeps when
// ReadOptions.MaxProblems is zero.
const DefaultMaxProblems = 100

// ValidationReport is the result of checking a log.
type ValidationReport struct {
	Files int   // files read
	Rows  int64 // rows read
	// Problems holds the first problems found, at most
	// ReadOptions.MaxProblems, in file order and then row order.
	Problems []Problem
	// Counts counts every problem, kept or not, by kind ("column: message").
	Counts map[string]int64
	// Fatal and NonFatal count all problems by severity.
	Fatal, NonFatal int64
}

// OK reports whether the log has no fatal problem.
func (r *ValidationReport) OK() bool { return r.Fatal == 0 }

// Err returns nil when the log has no fatal problem, else an error naming
// the first fatal problem (file, row, column) and how many there are.
func (r *ValidationReport) Err() error {
	if r.Fatal == 0 {
		return nil
	}
	for _, p := range r.Problems {
		if p.Fatal {
			if r.Fatal == 1 {
				return p
			}
			return fmt.Errorf("%w (and %d more fatal problems)", p, r.Fatal-1)
		}
	}
	return fmt.Errorf("%d fatal problems", r.Fatal)
}

// Kinds returns the problem kinds in Counts, sorted.
func (r *ValidationReport) Kinds() []string {
	out := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// problemSink collects one task's problems: all are counted, and the max
// first by (row, column) are kept whatever order they arrive in, so that
// merging sinks keeps the log's first problems however the checks were
// split.
type problemSink struct {
	file     string
	max      int
	list     []Problem
	last     int // index in list of the last problem by (row, column)
	counts   map[string]int64
	fatal    int64
	nonFatal int64
}

// before orders problems of one file by row, then column.
func before(a, b Problem) bool {
	if a.Row != b.Row {
		return a.Row < b.Row
	}
	return a.Column < b.Column
}

func newSink(file string, max int) *problemSink {
	return &problemSink{file: file, max: max}
}

// add records a problem at row of the sink's file.
func (s *problemSink) add(row int64, column, msg string, fatal bool) {
	s.addProblem(Problem{File: s.file, Row: row, Column: column, Message: msg, Fatal: fatal})
}

// flaws returns the reporter of a decoded batch of column spec whose first
// row is file row fileRow: every flaw is a fatal problem of its row.
func (s *problemSink) flaws(spec columnSpec, fileRow int64) parquetread.Flaws {
	return func(row int, f parquetread.Flaw) {
		msg := msgNull
		switch f {
		case parquetread.Negative:
			msg = msgNegative
		case parquetread.OutOfRange:
			msg = msgOutOfRange
		}
		s.add(fileRow+int64(row), spec.name, msg, true)
	}
}

func (s *problemSink) addProblem(p Problem) {
	if s.counts == nil {
		s.counts = make(map[string]int64)
	}
	s.counts[p.kind()]++
	if p.Fatal {
		s.fatal++
	} else {
		s.nonFatal++
	}
	switch {
	case len(s.list) < s.max:
		s.list = append(s.list, p)
		if len(s.list) == 1 || before(s.list[s.last], p) {
			s.last = len(s.list) - 1
		}
	case s.max > 0 && before(p, s.list[s.last]):
		// Replace the last kept problem; problems mostly arrive in row
		// order, so this is rare.
		s.list[s.last] = p
		for i := range s.list {
			if before(s.list[s.last], s.list[i]) {
				s.last = i
			}
		}
	}
}

// merge adds the problems of sinks (of one file) to r in row order, keeping
// at most max in r.Problems.
func (r *ValidationReport) merge(max int, sinks ...*problemSink) {
	var list []Problem
	for _, s := range sinks {
		if s == nil {
			continue
		}
		list = append(list, s.list...)
		for k, n := range s.counts {
			if r.Counts == nil {
				r.Counts = make(map[string]int64)
			}
			r.Counts[k] += n
		}
		r.Fatal += s.fatal
		r.NonFatal += s.nonFatal
	}
	sort.SliceStable(list, func(i, j int) bool { return before(list[i], list[j]) })
	room := max - len(r.Problems)
	if room > len(list) {
		room = len(list)
	}
	if room > 0 {
		r.Problems = append(r.Problems, list[:room]...)
	}
}

// Messages of row checks. They name no values, so that problems count by
// kind; the row locates the value.
const (
	msgNull            = "null in non-nullable column"
	msgEmptyID         = "empty or null id"
	msgEmptySkill      = "empty or null skill id"
	msgNegative        = "negative count"
	msgOutOfRange      = "value out of int32 range"
	msgHintsExceed     = "hints_used exceeds hints_available"
	msgIndepHints      = "independent success with hints used"
	msgIndepRetries    = "independent success with retries"
	msgIndepAnswer     = "independent success with answer given"
	msgIndepScaffold   = "independent success with scaffolding"
	msgIndepUnsupport  = "independent success without supported success"
	msgSupportedAnswer = "supported success with answer given"
	msgSeqOrder        = "seq not increasing within learner"
	msgNegativeTime    = "negative response time"
	msgInfinite        = "infinite value (null means unknown)"
)

// checkState carries the row checks' memory across batches of one file:
// each learner's last seq.
type checkState struct {
	lastSeq []int64
	seen    []uint32 // file number + 1 in which lastSeq was set
	file    uint32
}

// nextFile makes the state forget the previous file's seqs without
// clearing the slices.
func (st *checkState) nextFile() { st.file++ }

// checkRows runs the row checks on rows [start, end) of l, which are rows
// fileRow... of the sink's file. Problems detectable only while decoding
// (nulls in non-nullable columns, negative or out-of-range counts) are
// reported by the decoders instead.
func checkRows(l *Log, start, end int, fileRow int64, st *checkState, sink *problemSink) {
	checkRowsLocal(l, start, end, fileRow, sink)
	checkSeq(l, start, end, fileRow, st, sink)
}

// checkRowsParallel is checkRows split over goroutines: the checks of
// single rows run in chunks beside the one sequential seq check, so that
// two cores stay busy until the end, each with its own sink (returned for
// merging).
func checkRowsParallel(l *Log, start, end int, fileRow int64, st *checkState, file string, max int) ([]*problemSink, error) {
	const chunks = 4
	sinks := make([]*problemSink, chunks+1)
	for i := range sinks {
		sinks[i] = newSink(file, max)
	}
	err := parallel(len(sinks), func(i int) error {
		if i == 0 {
			checkSeq(l, start, end, fileRow, st, sinks[0])
			return nil
		}
		lo := start + (end-start)*(i-1)/chunks
		hi := start + (end-start)*i/chunks
		checkRowsLocal(l, lo, hi, fileRow+int64(lo-start), sinks[i])
		return nil
	})
	return sinks, err
}

// checkRowsLocal runs the checks that look at one row at a time.
func checkRowsLocal(l *Log, start, end int, fileRow int64, sink *problemSink) {
	emptyLearner := lookupOr(&l.Learners, "")
	emptyItem := lookupOr(&l.Items, "")
	emptySkill := lookupOr(&l.SkillIDs, "")
	learner, item := l.Learner[start:end], l.Item[start:end]
	resp, diff := l.ResponseMS[start:end], l.Difficulty[start:end]
	for k := range learner {
		row := fileRow + int64(k)
		if learner[k] == emptyLearner {
			sink.add(row, ColLearner, msgEmptyID, true)
		}
		if item[k] == emptyItem {
			sink.add(row, ColItem, msgEmptyID, true)
		}
		if emptySkill >= 0 {
			for _, s := range l.SkillsOf(start + k) {
				if s == emptySkill {
					sink.add(row, ColSkills, msgEmptySkill, true)
					break
				}
			}
		}
		if resp[k] < 0 {
			sink.add(row, ColResponseMS, msgNegativeTime, false)
		}
		if math.IsInf(diff[k], 0) {
			sink.add(row, ColDifficulty, msgInfinite, true)
		}
	}
	checkSupportRows(l, start, end, fileRow, sink)
}

// checkSupportRows runs checkSupport on the rows of [start, end) that
// may break a support rule. The screen computes every rule without
// branches: on real logs the outcome flags are coin flips that would
// defeat branch prediction, and nearly all rows pass.
func checkSupportRows(l *Log, start, end int, fileRow int64, sink *problemSink) {
	indep, sup := l.Independent[start:end], l.Supported[start:end]
	used, avail, retries := l.HintsUsed[start:end], l.HintsAvailable[start:end], l.Retries[start:end]
	scaf, answer := l.Scaffolded[start:end], l.AnswerGiven[start:end]
	sup, used, avail, retries, scaf, answer = sup[:len(indep)], used[:len(indep)], avail[:len(indep)], retries[:len(indep)], scaf[:len(indep)], answer[:len(indep)]
	for k := range indep {
		helped := b2u(used[k] > 0) | b2u(retries[k] > 0) | b2u(answer[k]) | b2u(scaf[k]) | b2u(!sup[k])
		bad := b2u(indep[k])&helped | b2u(sup[k])&b2u(answer[k]) | b2u(used[k] > avail[k])&b2u(avail[k] != Unknown)
		if bad != 0 {
			checkSupport(l, start+k, fileRow+int64(k), sink)
		}
	}
}

// b2u is 1 for true and 0 for false (compiled without a branch).
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u
}

// checkSeq reports rows whose seq does not increase over the learner's
// previous row in the same file.
func checkSeq(l *Log, start, end int, fileRow int64, st *checkState, sink *problemSink) {
	if n := l.Learners.Len(); len(st.lastSeq) < n {
		st.lastSeq = append(st.lastSeq, make([]int64, n-len(st.lastSeq))...)
		st.seen = append(st.seen, make([]uint32, n-len(st.seen))...)
	}
	mark := st.file + 1
	for i := start; i < end; i++ {
		u := l.Learner[i]
		if st.seen[u] == mark && l.Seq[i] <= st.lastSeq[u] {
			sink.add(fileRow+int64(i-start), ColSeq, msgSeqOrder, false)
		}
		st.seen[u], st.lastSeq[u] = mark, l.Seq[i]
	}
}

// checkSupport reports support fields of row i that contradict each other
// or the outcome: an independent success uses no support and is also a
// supported success; a supported success is one where the answer was not
// given away.
func checkSupport(l *Log, i int, row int64, sink *problemSink) {
	if av := l.HintsAvailable[i]; av != Unknown && l.HintsUsed[i] > av {
		sink.add(row, ColHintsUsed, msgHintsExceed, false)
	}
	if l.Independent[i] {
		if l.HintsUsed[i] > 0 {
			sink.add(row, ColIndependent, msgIndepHints, false)
		}
		if l.Retries[i] > 0 {
			sink.add(row, ColIndependent, msgIndepRetries, false)
		}
		if l.AnswerGiven[i] {
			sink.add(row, ColIndependent, msgIndepAnswer, false)
		}
		if l.Scaffolded[i] {
			sink.add(row, ColIndependent, msgIndepScaffold, false)
		}
		if !l.Supported[i] {
			sink.add(row, ColIndependent, msgIndepUnsupport, false)
		}
	}
	if l.Supported[i] && l.AnswerGiven[i] {
		sink.add(row, ColSupported, msgSupportedAnswer, false)
	}
}

// lookupOr returns the index of id in d, or -1.
func lookupOr(d *Dict, id string) int32 {
	if i, ok := d.Lookup(id); ok {
		return i
	}
	return -1
}

// Validate checks the log at path (a file, a directory or a Hive tree, as
// for Open) against the schema and returns what it found. It streams, so
// memory stays bounded by the batch size and the number of distinct ids.
// The error is non-nil only when the log cannot be read at all (no such
// path, no log files); unreadable or corrupt files are reported as fatal
// problems and the other files still checked.
func Validate(path string, opts ReadOptions) (*ValidationReport, error) {
	r, err := newReader(path, opts, true)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	r.closeFile()
	return &r.report, nil
}

// errorProblem turns a read error into a fatal whole-file problem, unless
// it already is a Problem.
func errorProblem(path string, err error) Problem {
	var p Problem
	if errors.As(err, &p) {
		return p
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, path+": ")
	return Problem{File: path, Row: -1, Message: msg, Fatal: true}
}
