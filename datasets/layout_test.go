package datasets

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// attemptsFor returns n consistent attempts of learner starting at seq 1.
func attemptsFor(learner string, n int, groups ...string) []Attempt {
	out := make([]Attempt, n)
	for i := range out {
		a := NewAttempt()
		a.Learner, a.Item, a.Seq = learner, "item", int64(i+1)
		a.Supported = i%2 == 0
		a.Skills = []string{"s"}
		a.Groups = groups
		out[i] = a
	}
	return out
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	dir := filepath.Join(parts...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDirectoryLog(t *testing.T) {
	root := t.TempDir()
	// Files are read in path order, recursively; other files and
	// hidden or underscore names are skipped.
	writeAttempts(t, filepath.Join(mkdir(t, root, "b"), "2.parquet"), WriteOptions{}, attemptsFor("L3", 2))
	writeAttempts(t, filepath.Join(root, "a.arrow"), WriteOptions{}, attemptsFor("L1", 3))
	writeAttempts(t, filepath.Join(mkdir(t, root, "b"), "1.feather"), WriteOptions{}, attemptsFor("L2", 1))
	for _, name := range []string{"README.md", "_SUCCESS", ".c.parquet.tmp-1", "notes.csv"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("not a log"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeAttempts(t, filepath.Join(mkdir(t, root, "_tmp"), "x.parquet"), WriteOptions{}, attemptsFor("HIDDEN", 1))
	if err := os.WriteFile(filepath.Join(root, ".hidden.parquet"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}

	l, err := ReadLog(root, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(attemptsFor("L1", 3), attemptsFor("L2", 1)...), attemptsFor("L3", 2)...)
	assertAttempts(t, l, nil, want)

	rep, err := Validate(root, ReadOptions{})
	if err != nil || rep.Files != 3 || rep.Rows != 6 || !rep.OK() || rep.NonFatal != 0 {
		t.Fatalf("Validate = %+v, %v", rep, err)
	}
}

func TestSeqCheckedWithinFileOnly(t *testing.T) {
	root := t.TempDir()
	writeAttempts(t, filepath.Join(root, "1.parquet"), WriteOptions{}, attemptsFor("L", 3))
	writeAttempts(t, filepath.Join(root, "2.parquet"), WriteOptions{}, attemptsFor("L", 3))
	rep, err := Validate(root, ReadOptions{})
	if err != nil || rep.Fatal+rep.NonFatal != 0 {
		t.Fatalf("Validate = %+v, %v", rep, err)
	}
}

func TestHiveLog(t *testing.T) {
	root := t.TempDir()
	writeAttempts(t, filepath.Join(mkdir(t, root, "group_school=North", "class=7a"), "part-0.parquet"), WriteOptions{}, attemptsFor("L1", 2))
	writeAttempts(t, filepath.Join(mkdir(t, root, "group_school=South%20Hill", "class="+hiveNull), "part-0.arrow"), WriteOptions{}, attemptsFor("L2", 1))
	// A file's own group column adds a column, unknown in the others.
	writeAttempts(t, filepath.Join(mkdir(t, root, "group_school=West", "class=9"), "part-0.parquet"),
		WriteOptions{Groups: []string{"group_gender"}}, attemptsFor("L3", 1, "f"))

	l, err := ReadLog(root, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	groups := []string{"group_school", "group_class", "group_gender"}
	want := append(append(attemptsFor("L1", 2, "North", "7a", ""), attemptsFor("L2", 1, "South Hill", "", "")...),
		attemptsFor("L3", 1, "West", "9", "f")...)
	assertAttempts(t, l, groups, want)

	r, err := Open(root, ReadOptions{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var schools []string
	for r.Next() {
		rec := r.Record()
		col := rec.Column(r.Schema().FieldIndices("group_school")[0]).(*array.Dictionary)
		vals := col.Dictionary().(*array.String)
		for i := 0; i < col.Len(); i++ {
			schools = append(schools, vals.Value(col.GetValueIndex(i)))
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if want := []string{"North", "North", "South Hill", "West"}; !reflect.DeepEqual(schools, want) {
		t.Fatalf("reader schools %q, want %q", schools, want)
	}
}

func TestHivePartitionByLearner(t *testing.T) {
	root := t.TempDir()
	// A file without learner_id under learner_id=X gets it from the path.
	path := filepath.Join(mkdir(t, root, "learner_id=L9"), "part.parquet")
	writeRaw(t, path, []rawField{fItem, fSeq, fIndep, fSupp}, "1",
		`[{"item_id":"i","seq":1,"correct_independent":false,"correct_supported":true}]`)
	l, err := ReadLog(root, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 1 || l.At(0).Learner != "L9" {
		t.Fatalf("got %+v", l.At(0))
	}
	// Outside the partition the column is missing: a fatal problem.
	if _, err := ReadLog(path, ReadOptions{}); err == nil {
		t.Fatal("file without learner_id read")
	}
}

func TestReaderMatchesReadLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.parquet")
	as := synthAttempts(5000, 3, 1)
	writeAttempts(t, path, WriteOptions{Groups: []string{"group_0"}, RowGroupRows: 1500}, as)

	r, err := Open(path, ReadOptions{BatchSize: 777})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Schema().Equal(ReadSchema("group_0")) {
		t.Fatalf("schema %v", r.Schema())
	}
	got := NewLog("group_0")
	for r.Next() {
		rec := r.Record()
		if rec.NumRows() > 777 {
			t.Fatalf("batch of %d rows", rec.NumRows())
		}
		appendRecord(t, got, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	assertAttempts(t, got, []string{"group_0"}, as)
}

// appendRecord decodes a Reader record into l with plain Arrow accessors,
// independently of the package's decoders.
func appendRecord(t *testing.T, l *Log, rec arrow.RecordBatch) {
	t.Helper()
	str := func(col arrow.Array, i int) string {
		d := col.(*array.Dictionary)
		if d.IsNull(i) {
			return ""
		}
		return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
	}
	skills := rec.Column(2).(*array.List)
	for i := 0; i < int(rec.NumRows()); i++ {
		a := NewAttempt()
		a.Learner, a.Item = str(rec.Column(0), i), str(rec.Column(1), i)
		s, e := skills.ValueOffsets(i)
		for k := s; k < e; k++ {
			a.Skills = append(a.Skills, str(skills.ListValues(), int(k)))
		}
		a.Seq = rec.Column(3).(*array.Int64).Value(i)
		if ts := rec.Column(4).(*array.Timestamp); ts.IsValid(i) {
			a.Time = ts.Value(i).ToTime(arrow.Millisecond)
		}
		a.Independent = rec.Column(5).(*array.Boolean).Value(i)
		a.Supported = rec.Column(6).(*array.Boolean).Value(i)
		a.HintsUsed = rec.Column(7).(*array.Int32).Value(i)
		if c := rec.Column(8).(*array.Int32); c.IsValid(i) {
			a.HintsAvailable = c.Value(i)
		}
		a.Retries = rec.Column(9).(*array.Int32).Value(i)
		a.Scaffolded = rec.Column(10).(*array.Boolean).Value(i)
		a.AnswerGiven = rec.Column(11).(*array.Boolean).Value(i)
		if c := rec.Column(12).(*array.Float64); c.IsValid(i) {
			a.ResponseMS = c.Value(i)
		}
		if c := rec.Column(13).(*array.Float64); c.IsValid(i) {
			a.Difficulty = c.Value(i)
		}
		a.Groups = []string{str(rec.Column(14), i)}
		l.Append(&a)
	}
}

func TestReaderColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.arrow")
	writeAttempts(t, path, WriteOptions{Groups: []string{"group_0"}}, synthAttempts(100, 1, 1))
	r, err := Open(path, ReadOptions{Columns: []string{ColSeq, ColLearner}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, f := range r.Schema().Fields() {
		names = append(names, f.Name)
	}
	if want := []string{ColLearner, ColSeq}; !reflect.DeepEqual(names, want) {
		t.Fatalf("columns %q, want %q", names, want)
	}
	rows := 0
	for r.Next() {
		rows += int(r.Record().NumRows())
		if r.Record().NumCols() != 2 {
			t.Fatalf("record has %d columns", r.Record().NumCols())
		}
	}
	if r.Err() != nil || rows != 100 {
		t.Fatalf("rows %d, err %v", rows, r.Err())
	}
	// ReadLog with a selection still reads the required columns and
	// defaults the rest.
	l, err := ReadLog(path, ReadOptions{Columns: []string{ColSkills}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 100 || len(l.GroupNames) != 0 || l.HintsAvailable[0] != Unknown {
		t.Fatalf("selected read: %d rows, groups %q", l.Len(), l.GroupNames)
	}
}
