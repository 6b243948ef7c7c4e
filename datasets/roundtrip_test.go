package datasets

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// edgeAttempts are hand-made attempts covering unknowns, empty skill
// lists, unicode ids and unknown groups.
func edgeAttempts() []Attempt {
	a := NewAttempt() // every optional field unknown
	a.Learner, a.Item, a.Seq = "ü-learner", "item/1", 1
	a.Groups = []string{"", ""}
	b := NewAttempt()
	b.Learner, b.Item, b.Seq = "ü-learner", "item,2", 2
	b.Skills = []string{"s1", "s2", "s1"}
	b.Time = time.Date(1969, 12, 31, 23, 59, 59, 123e6, time.UTC)
	b.Independent, b.Supported = true, true
	b.HintsAvailable = 0
	b.ResponseMS, b.Difficulty = 0, -1.5
	b.Groups = []string{"school A", ""}
	c := NewAttempt()
	c.Learner, c.Item, c.Seq = "other", "item/1", -5
	c.Skills = []string{}
	c.Time = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	c.HintsUsed, c.HintsAvailable, c.Retries = 3, 3, 7
	c.Scaffolded, c.AnswerGiven = true, true
	c.ResponseMS, c.Difficulty = 1e9, 1e300 // an infinite difficulty is a fatal problem
	c.Groups = []string{"school B"}         // shorter than the groups: rest unknown
	return []Attempt{a, b, c}
}

// writeAttempts writes attempts to path one at a time.
func writeAttempts(t testing.TB, path string, opts WriteOptions, as []Attempt) {
	t.Helper()
	w, err := Create(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range as {
		if err := w.Write(&as[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeLog writes l to path through WriteLog.
func writeLog(t testing.TB, path string, opts WriteOptions, l *Log) {
	t.Helper()
	w, err := Create(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLog(l); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// sameFloat compares floats with NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// assertAttempts checks that l holds exactly want, row by row. Skills are
// compared as lists with nil equal to empty; groups with missing entries
// equal to "".
func assertAttempts(t *testing.T, l *Log, groups []string, want []Attempt) {
	t.Helper()
	if l.Len() != len(want) {
		t.Fatalf("log has %d rows, want %d", l.Len(), len(want))
	}
	if !reflect.DeepEqual(l.GroupNames, groups) && !(len(groups) == 0 && len(l.GroupNames) == 0) {
		t.Fatalf("group names %q, want %q", l.GroupNames, groups)
	}
	for i := range want {
		got, w := l.At(i), want[i]
		if got.Learner != w.Learner || got.Item != w.Item || got.Seq != w.Seq ||
			got.Independent != w.Independent || got.Supported != w.Supported ||
			got.HintsUsed != w.HintsUsed || got.HintsAvailable != w.HintsAvailable ||
			got.Retries != w.Retries || got.Scaffolded != w.Scaffolded || got.AnswerGiven != w.AnswerGiven ||
			!sameFloat(got.ResponseMS, w.ResponseMS) || !sameFloat(got.Difficulty, w.Difficulty) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, got, w)
		}
		if !got.Time.Equal(w.Time.Truncate(time.Millisecond)) && !(got.Time.IsZero() && w.Time.IsZero()) {
			t.Fatalf("row %d: time %v, want %v", i, got.Time, w.Time)
		}
		if len(got.Skills) != len(w.Skills) || (len(w.Skills) > 0 && !reflect.DeepEqual(got.Skills, w.Skills)) {
			t.Fatalf("row %d: skills %q, want %q", i, got.Skills, w.Skills)
		}
		for g := range groups {
			wv := ""
			if g < len(w.Groups) {
				wv = w.Groups[g]
			}
			if got.Groups[g] != wv {
				t.Fatalf("row %d: group %s = %q, want %q", i, groups[g], got.Groups[g], wv)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	groups := []string{"group_school", "group_class"}
	as := append(edgeAttempts(), synthAttempts(3000, 7, 2)...)
	for i := 3; i < len(as); i++ {
		// synthetic learners come after the edge ones: keep seq increasing
		as[i].Learner = "x" + as[i].Learner
	}
	// Small row groups split the log into many groups, lists and
	// dictionaries across group boundaries; fewer rows keep them fast.
	sizes := []struct{ rows, rowGroup int }{{len(as), 0}, {len(as), 1000}, {300, 7}, {3, 1}}
	for _, ext := range []string{".parquet", ".arrow", ".feather", ".ipc"} {
		for _, path := range []string{"Write", "WriteLog"} {
			for _, size := range sizes {
				as := as[:size.rows]
				log := NewLog(groups...)
				for i := range as {
					log.Append(&as[i])
				}
				rg := size.rowGroup
				t.Run(fmt.Sprintf("%s/%s/%d", ext, path, rg), func(t *testing.T) {
					file := filepath.Join(t.TempDir(), "log"+ext)
					opts := WriteOptions{Groups: groups, RowGroupRows: rg}
					if path == "Write" {
						writeAttempts(t, file, opts, as)
					} else {
						writeLog(t, file, opts, log)
					}
					got, rep, err := ReadLogReport(file, ReadOptions{BatchSize: 100})
					if err != nil {
						t.Fatal(err)
					}
					assertAttempts(t, got, groups, as)
					if rep.Fatal != 0 || rep.NonFatal != 0 || rep.Rows != int64(len(as)) {
						t.Fatalf("report %+v", rep)
					}
				})
			}
		}
	}
}

func TestRoundTripEmptyLog(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow"} {
		file := filepath.Join(t.TempDir(), "empty"+ext)
		writeAttempts(t, file, WriteOptions{Groups: []string{"school"}}, nil)
		got, err := ReadLog(file, ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if got.Len() != 0 || !reflect.DeepEqual(got.GroupNames, []string{"group_school"}) {
			t.Fatalf("%s: got %d rows, groups %q", ext, got.Len(), got.GroupNames)
		}
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		path string
		want Format
		ok   bool
	}{
		{"a.parquet", FormatParquet, true},
		{"dir/A.PARQUET", FormatParquet, true},
		{"a.arrow", FormatIPC, true},
		{"a.feather", FormatIPC, true},
		{"a.ipc", FormatIPC, true},
		{"a.csv", 0, false},
		{"parquet", 0, false},
	}
	for _, tt := range tests {
		got, err := FormatOf(tt.path)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("FormatOf(%q) = %v, %v; want %v, ok=%v", tt.path, got, err, tt.want, tt.ok)
		}
	}
}

func TestAbortLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "log.parquet")
	w, err := Create(file, WriteOptions{RowGroupRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range synthAttempts(5, 1, 0) {
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, dir)
	if err := w.Write(&Attempt{}); err == nil {
		t.Fatal("Write after Abort succeeded")
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("%s holds %d entries, first %s", dir, len(ents), ents[0].Name())
	}
}

func TestWriteReusedBuffers(t *testing.T) {
	// A caller may reuse one Skills buffer (and one Attempt) for every
	// row, changing its contents in place: each row must keep its own.
	path := filepath.Join(t.TempDir(), "log.parquet")
	w, err := Create(path, WriteOptions{RowGroupRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]string, 2)
	a := NewAttempt()
	var want []Attempt
	for i := 0; i < 10; i++ {
		a.Learner, a.Item, a.Seq = "L", "same-item", int64(i)
		buf[0], buf[1] = fmt.Sprintf("s%d", i%3), fmt.Sprintf("t%d", i%2)
		a.Skills = buf[:1+i%2]
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
		c := a
		c.Skills = append([]string(nil), a.Skills...)
		want = append(want, c)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLog(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertAttempts(t, l, nil, want)
}

func TestExplicitFormat(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []Format{FormatParquet, FormatIPC} {
		path := filepath.Join(dir, "attempts-"+f.String()+".log")
		as := attemptsFor("L", 3)
		writeAttempts(t, path, WriteOptions{Format: f}, as)
		l, err := ReadLog(path, ReadOptions{})
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		assertAttempts(t, l, nil, as)
	}
	bad := filepath.Join(dir, "notes.log")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLog(bad, ReadOptions{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("ReadLog of a text file: %v", err)
	}
}
