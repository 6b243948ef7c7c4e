package ingest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

// parseOne reads a one-record file whose first field is field and parses
// that field with parse, in the given missing-value mode. A second column
// keeps a blank field from being a blank (skipped) line.
func parseOne(t *testing.T, field string, pandas bool, parse func(p *Fields) any) (v any, reason string, err error) {
	t.Helper()
	rd := NewReader(strings.NewReader("x,y\n"+field+",z\n"), "f.csv", ',', false)
	if _, err := rd.Header(); err != nil {
		t.Fatal(err)
	}
	f, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	p := NewFields(rd, f, pandas)
	v = parse(&p)
	reason, err = p.Result()
	return v, reason, err
}

func TestFields(t *testing.T) {
	var syms Symbols
	id := func(p *Fields) any {
		i := p.ID(&syms, 0, "id")
		if !p.OK() {
			return ""
		}
		return syms.Name(i)
	}
	opt := func(p *Fields) any {
		if i := p.OptID(&syms, 0, "id"); i >= 0 {
			return syms.Name(i)
		}
		return "-1"
	}
	count := func(p *Fields) any { return p.Count(0, "n") }
	flag := func(p *Fields) any { return p.Flag(0, "f") }
	float := func(p *Fields) any { return p.Float(0, "v", true) }
	tests := []struct {
		name   string
		field  string
		pandas bool
		parse  func(*Fields) any
		want   any
		reason string
		err    string // a substring of the hard error
	}{
		{"id", " 14 ", false, id, "14", "", ""},
		{"id blank", "  ", false, id, "", "missing id", ""},
		{"id float kept as text", "14.0", false, id, "14.0", "", ""},
		{"pandas id float cut", "14.0", true, id, "14", "", ""},
		{"pandas id NA", "NaN", true, id, "", "missing id", ""},
		{"NA is an id outside pandas", "NaN", false, id, "NaN", "", ""},
		{"id invalid UTF-8", "a\xff", false, id, "", "", "invalid UTF-8"},
		{"optional id missing", "", true, opt, "-1", "", ""},
		{"optional id", "s1", true, opt, "s1", "", ""},
		{"count", "3", false, count, int32(3), "", ""},
		{"count negative", "-2", false, count, int32(-2), "negative n", ""},
		{"count missing", "", false, count, int32(0), "missing n", ""},
		{"count pandas NA", "null", true, count, int32(0), "missing n", ""},
		{"count not an integer", "2.5", false, count, int32(0), "", `column n: "2.5" is not an integer`},
		{"count past int32", "4294967296", false, count, int32(0), "", "not an integer"},
		{"flag", "1", false, flag, true, "", ""},
		{"flag two", "2", false, flag, false, "f neither 0 nor 1", ""},
		{"float", "1.5e3", false, float, 1500.0, "", ""},
		{"float optional missing", "", false, float, math.NaN(), "", ""},
		{"float not a number", "abc", false, float, 0.0, "", "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason, err := parseOne(t, tt.field, tt.pandas, tt.parse)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "f.csv:2: ") {
					t.Fatalf("error %v, want one at f.csv:2 containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if reason != tt.reason {
				t.Errorf("reason %q, want %q", reason, tt.reason)
			}
			if g, ok := got.(float64); ok && math.IsNaN(g) {
				if w, _ := tt.want.(float64); !math.IsNaN(w) {
					t.Errorf("got NaN, want %v", tt.want)
				}
				return
			}
			if tt.reason == "" && got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// The first problem wins: after a rejection the later fields are not
// looked at, so a later unparseable field does not become a hard error.
func TestFieldsFirstProblemWins(t *testing.T) {
	rd := NewReader(strings.NewReader("a,b\n,zz\n"), "f.csv", ',', false)
	if _, err := rd.Header(); err != nil {
		t.Fatal(err)
	}
	f, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	p := NewFields(rd, f, false)
	p.Count(0, "a")
	p.Count(1, "b")
	if reason, err := p.Result(); reason != "missing a" || err != nil {
		t.Errorf("Result() = %q, %v; want the first problem, missing a", reason, err)
	}
}

func TestEachInTime(t *testing.T) {
	type row struct {
		Timed
		user int32
		name string
	}
	var rows Rows[row]
	for _, r := range []row{
		{Timed{StartMS: 20, Tie: 0, Hash: 1}, 0, "a-late"},
		{Timed{StartMS: 10, Tie: 1, Hash: 2}, 0, "a-early-tie1"},
		{Timed{StartMS: 10, Tie: 0, Hash: 3}, 0, "a-early-tie0"},
		{Timed{StartMS: 10, Tie: 0, Hash: 3}, 0, "a-duplicate"},
		{Timed{StartMS: 10, Tie: 0, Hash: 4}, 0, "a-same-key-other-row"},
		{Timed{StartMS: 5, Tie: 0, Hash: 5}, 1, "b-only"},
	} {
		rows.Append(r)
	}
	order, start := ByLearner(rows.Len(), func(i int) int32 { return rows.At(int32(i)).user }, []int32{0, 1})
	var sum datasets.ImportSummary
	var got []string
	err := EachInTime(&rows, func(r *row) *Timed { return &r.Timed }, order, start, &sum, func(r *row, seq int64) error {
		got = append(got, r.name+"#"+string(rune('0'+seq)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a-early-tie0#0 a-same-key-other-row#1 a-early-tie1#2 a-late#3 b-only#0"
	if strings.Join(got, " ") != want {
		t.Errorf("order %q, want %q", strings.Join(got, " "), want)
	}
	if sum.DuplicateRows != 1 || sum.RowsCollapsed != 1 {
		t.Errorf("summary %+v, want one duplicate collapsed", sum)
	}
}

func TestEmitterNamesTheAttemptAndStopsOnCancel(t *testing.T) {
	var sum datasets.ImportSummary
	refused := errors.New("disk full")
	e := NewEmitter(context.Background(), "f.csv", "order_id", &sum, func(*datasets.Attempt) error { return refused })
	a := datasets.NewAttempt()
	a.Learner, a.Seq = "u7", 42
	if err := e.Emit(&a); !errors.Is(err, refused) || err.Error() != "f.csv: attempt of learner u7, order_id 42: disk full" {
		t.Errorf("Emit error %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum = datasets.ImportSummary{}
	e = NewEmitter(ctx, "f.csv", "seq", &sum, func(*datasets.Attempt) error { return nil })
	var err error
	for n := 0; err == nil && n < 1<<13; n++ {
		err = e.Emit(&a)
	}
	if !errors.Is(err, context.Canceled) || sum.AttemptsWritten != 1<<12 {
		t.Errorf("after %d attempts: %v, want context.Canceled at the 4096th", sum.AttemptsWritten, err)
	}
}
