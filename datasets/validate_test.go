package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rawField is a column of a hand-made file.
type rawField struct {
	name string
	typ  arrow.DataType
}

var (
	fLearner  = rawField{ColLearner, arrow.BinaryTypes.String}
	fItem     = rawField{ColItem, arrow.BinaryTypes.String}
	fSeq      = rawField{ColSeq, arrow.PrimitiveTypes.Int64}
	fIndep    = rawField{ColIndependent, arrow.FixedWidthTypes.Boolean}
	fSupp     = rawField{ColSupported, arrow.FixedWidthTypes.Boolean}
	fSkills   = rawField{ColSkills, arrow.ListOf(arrow.BinaryTypes.String)}
	fHints    = rawField{ColHintsUsed, arrow.PrimitiveTypes.Int32}
	fAvail    = rawField{ColHintsAvailable, arrow.PrimitiveTypes.Int32}
	fRetries  = rawField{ColRetries, arrow.PrimitiveTypes.Int32}
	fScaf     = rawField{ColScaffolded, arrow.FixedWidthTypes.Boolean}
	fAnswer   = rawField{ColAnswerGiven, arrow.FixedWidthTypes.Boolean}
	fResponse = rawField{ColResponseMS, arrow.PrimitiveTypes.Float64}
	required  = []rawField{fLearner, fItem, fSeq, fIndep, fSupp}
)

// writeRaw writes rows (JSON objects) with the given columns, all nullable,
// to path as Parquet or IPC by extension; version "" writes no schema
// version.
func writeRaw(t *testing.T, path string, fields []rawField, version string, rows string) {
	t.Helper()
	var fs []arrow.Field
	for _, f := range fields {
		fs = append(fs, arrow.Field{Name: f.name, Type: f.typ, Nullable: true})
	}
	var md *arrow.Metadata
	if version != "" {
		m := arrow.NewMetadata([]string{SchemaVersionKey}, []string{version})
		md = &m
	}
	sc := arrow.NewSchema(fs, md)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("bad test rows: %v", err)
	}
	defer rec.Release()
	if strings.HasSuffix(path, ".parquet") {
		writePqarrow(t, path, rec)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(sc))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func with(extra ...rawField) []rawField {
	return append(append([]rawField(nil), required...), extra...)
}

// twoRows is a valid two-attempt body for the required columns plus
// whatever a case adds.
func rowsJSON(rows ...string) string { return "[" + strings.Join(rows, ",") + "]" }

const okRow = `{"learner_id":"a","item_id":"i1","seq":1,"correct_independent":true,"correct_supported":true}`

func TestValidationRules(t *testing.T) {
	tests := []struct {
		name    string
		fields  []rawField
		version string
		rows    string
		want    []string // "row:column: message" of every problem, in order
		fatal   bool
	}{
		{"valid minimal", required, "1", rowsJSON(okRow,
			`{"learner_id":"a","item_id":"i2","seq":2,"correct_independent":false,"correct_supported":true}`), nil, false},
		{"no version is current", required, "", rowsJSON(okRow), nil, false},
		{"missing required column", []rawField{fLearner, fItem, fIndep, fSupp}, "1",
			`[{"learner_id":"a","item_id":"i","correct_independent":true,"correct_supported":true}]`,
			[]string{"-1:seq: required column missing"}, true},
		{"wrong column type", []rawField{fLearner, fItem, {ColSeq, arrow.BinaryTypes.String}, fIndep, fSupp}, "1",
			`[{"learner_id":"a","item_id":"i","seq":"1","correct_independent":true,"correct_supported":true}]`,
			[]string{"-1:seq: wrong type utf8, want int64"}, true},
		{"newer schema version", required, "2", rowsJSON(okRow),
			[]string{"-1:: schema version 2 is newer than supported version 1"}, true},
		{"empty learner id", required, "1", rowsJSON(okRow,
			`{"learner_id":"","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true}`),
			[]string{"1:learner_id: " + msgEmptyID}, true},
		{"null item id", required, "1", rowsJSON(
			`{"learner_id":"a","item_id":null,"seq":1,"correct_independent":false,"correct_supported":true}`),
			[]string{"0:item_id: " + msgEmptyID}, true},
		{"empty skill id", with(fSkills), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","skill_ids":["s",""],"seq":1,"correct_independent":false,"correct_supported":true}`),
			[]string{"0:skill_ids: " + msgEmptySkill}, true},
		{"null skill list", with(fSkills), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","skill_ids":null,"seq":1,"correct_independent":false,"correct_supported":true}`),
			[]string{"0:skill_ids: " + msgNull}, true},
		{"negative hints used", with(fHints), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"hints_used":-1}`),
			[]string{"0:hints_used: " + msgNegative}, true},
		{"negative hints available", with(fAvail), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"hints_available":-1}`),
			[]string{"0:hints_available: " + msgNegative}, true},
		{"null hints available is unknown", with(fHints, fAvail), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"hints_used":9,"hints_available":null}`),
			nil, false},
		{"null seq", required, "1", rowsJSON(okRow,
			`{"learner_id":"b","item_id":"i","seq":null,"correct_independent":false,"correct_supported":true}`),
			[]string{"1:seq: " + msgNull}, true},
		{"null outcome", required, "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":null,"correct_supported":true}`),
			[]string{"0:correct_independent: " + msgNull}, true},
		{"null retries", with(fRetries), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"retries":null}`),
			[]string{"0:retries: " + msgNull}, true},
		{"int64 counts out of range", with(rawField{ColRetries, arrow.PrimitiveTypes.Int64}), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"retries":3000000000}`),
			[]string{"0:retries: " + msgOutOfRange}, true},
		{"int64 counts accepted", with(rawField{ColRetries, arrow.PrimitiveTypes.Int64}, rawField{ColHintsUsed, arrow.PrimitiveTypes.Int64}), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"retries":3,"hints_used":1}`),
			nil, false},
		{"hints used exceed available", with(fHints, fAvail), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"hints_used":3,"hints_available":2}`),
			[]string{"0:hints_used: " + msgHintsExceed}, false},
		{"independent with hints", with(fHints), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":true,"correct_supported":true,"hints_used":1}`),
			[]string{"0:correct_independent: " + msgIndepHints}, false},
		{"independent with retries", with(fRetries), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":true,"correct_supported":true,"retries":2}`),
			[]string{"0:correct_independent: " + msgIndepRetries}, false},
		{"independent with scaffolding", with(fScaf), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":true,"correct_supported":true,"scaffolded":true}`),
			[]string{"0:correct_independent: " + msgIndepScaffold}, false},
		{"independent not supported", required, "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":true,"correct_supported":false}`),
			[]string{"0:correct_independent: " + msgIndepUnsupport}, false},
		{"independent with answer given", with(fAnswer), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":true,"correct_supported":false,"answer_given":true}`),
			[]string{"0:correct_independent: " + msgIndepAnswer, "0:correct_independent: " + msgIndepUnsupport}, false},
		{"supported with answer given", with(fAnswer), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"answer_given":true}`),
			[]string{"0:correct_supported: " + msgSupportedAnswer}, false},
		{"seq not increasing", required, "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":5,"correct_independent":false,"correct_supported":true}`,
			`{"learner_id":"b","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true}`,
			`{"learner_id":"a","item_id":"i","seq":5,"correct_independent":false,"correct_supported":true}`,
			`{"learner_id":"a","item_id":"i","seq":4,"correct_independent":false,"correct_supported":true}`,
			`{"learner_id":"b","item_id":"i","seq":2,"correct_independent":false,"correct_supported":true}`),
			[]string{"2:seq: " + msgSeqOrder, "3:seq: " + msgSeqOrder}, false},
		{"negative response time", with(fResponse), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"response_ms":-3}`),
			[]string{"0:response_ms: " + msgNegativeTime}, false},
		{"unknown columns ignored, groups kept", with(rawField{"notes", arrow.PrimitiveTypes.Float32}, rawField{"group_school", arrow.BinaryTypes.String}), "1", rowsJSON(
			`{"learner_id":"a","item_id":"i","seq":1,"correct_independent":false,"correct_supported":true,"notes":1.5,"group_school":"s"}`),
			nil, false},
	}
	for _, tt := range tests {
		for _, ext := range []string{".parquet", ".arrow"} {
			t.Run(tt.name+ext, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "log"+ext)
				writeRaw(t, path, tt.fields, tt.version, tt.rows)

				rep, err := Validate(path, ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range rep.Problems {
					if p.File != path {
						t.Errorf("problem names file %q, want %q", p.File, path)
					}
					got = append(got, fmt.Sprintf("%d:%s: %s", p.Row, p.Column, p.Message))
					if p.Fatal != tt.fatal {
						t.Errorf("%v: fatal = %v, want %v", p, p.Fatal, tt.fatal)
					}
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Validate problems:\n got %q\nwant %q", got, tt.want)
				}
				if rep.OK() == tt.fatal || rep.Fatal+rep.NonFatal != int64(len(tt.want)) {
					t.Fatalf("report %+v", rep)
				}

				l, err := ReadLog(path, ReadOptions{})
				if tt.fatal {
					if err == nil {
						t.Fatal("ReadLog succeeded on a fatal problem")
					}
					p := rep.Problems[0]
					for _, part := range []string{path, p.Column, p.Message} {
						if !strings.Contains(err.Error(), part) {
							t.Fatalf("ReadLog error %q does not name %q", err, part)
						}
					}
					if p.Row >= 0 && !strings.Contains(err.Error(), fmt.Sprintf("row %d", p.Row)) {
						t.Fatalf("ReadLog error %q does not name row %d", err, p.Row)
					}
				} else if err != nil || l.Len() != strings.Count(tt.rows, "learner_id") {
					t.Fatalf("ReadLog: %v", err)
				}

				r, err := Open(path, ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for r.Next() {
				}
				if (r.Err() != nil) != tt.fatal {
					t.Fatalf("Reader error %v, fatal %v", r.Err(), tt.fatal)
				}
				if rr := r.Report(); !tt.fatal && !reflect.DeepEqual(rr.Counts, rep.Counts) {
					t.Fatalf("Reader report counts %v, Validate %v", rr.Counts, rep.Counts)
				}
				r.Close()
			})
		}
	}
}

func TestValidateCountsBeyondKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.parquet")
	var rows []string
	for i := 0; i < 50; i++ {
		rows = append(rows, fmt.Sprintf(`{"learner_id":"a","item_id":"i","seq":%d,"correct_independent":true,"correct_supported":false}`, 100-i))
	}
	writeRaw(t, path, required, "1", rowsJSON(rows...))
	rep, err := Validate(path, ReadOptions{MaxProblems: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 5 || rep.NonFatal != 99 || rep.Fatal != 0 {
		t.Fatalf("kept %d problems, counted %d non-fatal, %d fatal; want 5, 99, 0", len(rep.Problems), rep.NonFatal, rep.Fatal)
	}
	want := map[string]int64{"correct_independent: " + msgIndepUnsupport: 50, "seq: " + msgSeqOrder: 49}
	if !reflect.DeepEqual(rep.Counts, want) {
		t.Fatalf("counts %v, want %v", rep.Counts, want)
	}
	kinds := rep.Kinds()
	if !sort.StringsAreSorted(kinds) || len(kinds) != 2 {
		t.Fatalf("kinds %q", kinds)
	}
	if rep.Problems[0].Row != 0 || rep.Problems[1].Row != 1 || rep.Problems[2].Row != 1 {
		t.Fatalf("problems not in row order: %v", rep.Problems)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.parquet", Row: 3, Column: "seq", Message: "bad"}, "a.parquet: row 3: column seq: bad"},
		{Problem{File: "a.parquet", Row: -1, Column: "seq", Message: "missing"}, "a.parquet: column seq: missing"},
		{Problem{File: "a.parquet", Row: -1, Message: "newer"}, "a.parquet: newer"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want || tt.p.Error() != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
