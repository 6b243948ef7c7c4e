package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Importer reads one source file in a public log format and emits canonical
// attempts. Implementations live in subpackages (assistments, datashop).
type Importer interface {
	// Import reads r, a file called name (used in errors), and calls emit
	// once per attempt, in order of learner id (byte-wise string order) and
	// then Seq. emit must not keep a or its slices after it returns: the
	// importer reuses them. An error from emit stops the import and is
	// returned wrapped. Bad input is an error naming the file and line.
	Import(ctx context.Context, r io.Reader, name string, emit func(a *Attempt) error) (ImportSummary, error)
	// Groups returns the group columns (with GroupPrefix) the format fills,
	// aligned with Attempt.Groups, so the caller can create the writer before
	// reading. It is the same for every file of the format.
	Groups() []string
}

// ErrNoAttempts reports a source file that yielded no attempts: it holds only
// a header, or every row was rejected. Callers importing many files may skip
// such files with errors.Is.
var ErrNoAttempts = errors.New("no attempts")

// MaxRejectedExamples bounds ImportSummary.RejectedExamples.
const MaxRejectedExamples = 10

// ImportSummary counts what an import read, wrote, merged and refused.
// RowsRead == AttemptsWritten + RowsCollapsed + the sum of Rejected.
type ImportSummary struct {
	RowsRead        int64 // data rows read (blank lines and the header excluded)
	AttemptsWritten int64 // attempts passed to emit without error
	// DuplicateRows counts rows identical to an earlier row of the same
	// attempt (or, for one-row-per-attempt formats, of the same learner and
	// order key); they are part of RowsCollapsed.
	DuplicateRows int64
	// RowsCollapsed counts rows merged into an earlier row's attempt.
	RowsCollapsed int64
	// InconsistentGroups counts attempts whose collapsed rows disagree on a
	// field other than the skill; the first row in file order wins.
	InconsistentGroups int64
	// Rejected counts rows left out, by reason.
	Rejected map[string]int64
	// RejectedExamples holds "file:line: reason" for the first rejected rows.
	RejectedExamples []string
	// Anomalies counts attempts kept although they break a rule of the
	// schema or of the source's documentation, by the documented mapping that
	// was applied (for example "attempt_count 0: retries set to 0").
	Anomalies map[string]int64
}

// Reject counts a row of file, starting on line, refused for reason.
func (s *ImportSummary) Reject(file string, line int64, reason string) {
	if s.Rejected == nil {
		s.Rejected = make(map[string]int64)
	}
	s.Rejected[reason]++
	if len(s.RejectedExamples) < MaxRejectedExamples {
		s.RejectedExamples = append(s.RejectedExamples, fmt.Sprintf("%s:%d: %s", file, line, reason))
	}
}

// Note counts an attempt kept under the documented mapping for anomaly.
func (s *ImportSummary) Note(anomaly string) {
	if s.Anomalies == nil {
		s.Anomalies = make(map[string]int64)
	}
	s.Anomalies[anomaly]++
}

// RejectedRows returns the number of rows rejected for any reason.
func (s *ImportSummary) RejectedRows() int64 {
	var n int64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// String formats the summary over several lines, reasons sorted by name.
func (s ImportSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows read %d, attempts written %d, rows collapsed %d (exact duplicates %d), inconsistent groups %d, rows rejected %d",
		s.RowsRead, s.AttemptsWritten, s.RowsCollapsed, s.DuplicateRows, s.InconsistentGroups, s.RejectedRows())
	for _, r := range slices.Sorted(maps.Keys(s.Rejected)) {
		fmt.Fprintf(&b, "\n  rejected %d: %s", s.Rejected[r], r)
	}
	for _, e := range s.RejectedExamples {
		fmt.Fprintf(&b, "\n  e.g. %s", e)
	}
	for _, a := range slices.Sorted(maps.Keys(s.Anomalies)) {
		fmt.Fprintf(&b, "\n  kept %d: %s", s.Anomalies[a], a)
	}
	return b.String()
}

// ImportLog imports the file at path with imp into an in-memory Log.
func ImportLog(ctx context.Context, imp Importer, path string) (*Log, ImportSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ImportSummary{}, err
	}
	defer f.Close()
	log := NewLog(imp.Groups()...)
	sum, err := imp.Import(ctx, f, path, func(a *Attempt) error {
		log.Append(a)
		return nil
	})
	if err != nil {
		return nil, sum, err
	}
	return log, sum, nil
}
