package datasets

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// columnKind is how a column's values are decoded into a Log.
type columnKind int

const (
	kindID     columnKind = iota // learner_id, item_id: non-empty strings
	kindSkills                   // list of skill id strings
	kindSeq                      // int64 order
	kindTime                     // timestamp
	kindFlag                     // boolean
	kindCount                    // non-negative int32
	kindFloat                    // float64, null = NaN
	kindGroup                    // nullable string, null = ""
)

// columnSpec describes one canonical column for readers.
type columnSpec struct {
	name     string
	kind     columnKind
	required bool // a file without it is rejected
	nullable bool // nulls are allowed (and mean unknown)
}

// canonicalColumns lists the schema's columns in schema order (group
// columns follow). Required columns carry the attempt's identity, order and
// the two outcomes; the rest default when absent: no skills, unknown time,
// zero hints and retries, unknown hints available, false scaffolded and
// answer_given, unknown response time and difficulty.
var canonicalColumns = []columnSpec{
	{ColLearner, kindID, true, false},
	{ColItem, kindID, true, false},
	{ColSkills, kindSkills, false, false},
	{ColSeq, kindSeq, true, false},
	{ColTime, kindTime, false, true},
	{ColIndependent, kindFlag, true, false},
	{ColSupported, kindFlag, true, false},
	{ColHintsUsed, kindCount, false, false},
	{ColHintsAvailable, kindCount, false, true},
	{ColRetries, kindCount, false, false},
	{ColScaffolded, kindFlag, false, false},
	{ColAnswerGiven, kindFlag, false, false},
	{ColResponseMS, kindFloat, false, true},
	{ColDifficulty, kindFloat, false, true},
}

// Indexes into canonicalColumns, for code that handles one column.
const (
	colLearner = iota
	colItem
	colSkills
	colSeq
	colTime
	colIndependent
	colSupported
	colHintsUsed
	colHintsAvailable
	colRetries
	colScaffolded
	colAnswerGiven
	colResponseMS
	colDifficulty
	numCanonical
)

// RequiredColumns returns the columns every log file must have.
func RequiredColumns() []string {
	var out []string
	for _, c := range canonicalColumns {
		if c.required {
			out = append(out, c.name)
		}
	}
	return out
}

// typeAccepted reports whether a file column of type dt can be read as a
// column of kind k. Readers accept the canonical type and the types other
// tools commonly write for the same values (int64 counts from pandas,
// large strings, dictionary-encoded strings, other timestamp units).
func typeAccepted(k columnKind, dt arrow.DataType) bool {
	switch k {
	case kindID, kindGroup:
		return isStringType(dt)
	case kindSkills:
		switch t := dt.(type) {
		case *arrow.ListType:
			return isStringType(t.Elem())
		case *arrow.LargeListType:
			return isStringType(t.Elem())
		}
		return false
	case kindSeq, kindCount:
		switch dt.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
			return true
		}
		return false
	case kindTime:
		return dt.ID() == arrow.TIMESTAMP
	case kindFlag:
		return dt.ID() == arrow.BOOL
	case kindFloat:
		switch dt.ID() {
		case arrow.FLOAT32, arrow.FLOAT64, arrow.INT32, arrow.INT64:
			return true
		}
		return false
	}
	return false
}

// isStringType reports whether dt holds strings, plain or dictionary-encoded.
func isStringType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	case arrow.DICTIONARY:
		v := dt.(*arrow.DictionaryType).ValueType.ID()
		return v == arrow.STRING || v == arrow.LARGE_STRING
	}
	return false
}

// wantType describes the types a column kind accepts, for messages.
func wantType(k columnKind) string {
	switch k {
	case kindID, kindGroup:
		return "string"
	case kindSkills:
		return "list<string>"
	case kindSeq:
		return "int64"
	case kindTime:
		return "timestamp"
	case kindFlag:
		return "bool"
	case kindCount:
		return "int32"
	case kindFloat:
		return "float64"
	}
	return "?"
}

// fileLayout maps a file's columns onto the canonical schema.
type fileLayout struct {
	// index[c] is the file field index of canonicalColumns[c], or -1.
	index [numCanonical]int
	// groups are the file's group columns: names and field indexes.
	groupNames []string
	groupIndex []int
	// problems are the schema-level problems (missing or mistyped
	// columns, newer schema version); all are fatal.
	problems []Problem
}

// layoutOf resolves schema sc of file path against the canonical columns;
// partition directories may supply columns the file lacks.
func layoutOf(path string, sc *arrow.Schema, partition []partitionValue) *fileLayout {
	fl := &fileLayout{}
	fromPath := func(name string) bool {
		for _, p := range partition {
			if p.column == name {
				return true
			}
		}
		return false
	}
	for c, spec := range canonicalColumns {
		fl.index[c] = -1
		idx := sc.FieldIndices(spec.name)
		if len(idx) == 0 {
			if spec.required && !fromPath(spec.name) {
				fl.problems = append(fl.problems, fileProblem(path, spec.name, "required column missing"))
			}
			continue
		}
		f := sc.Field(idx[0])
		if !typeAccepted(spec.kind, f.Type) {
			fl.problems = append(fl.problems, fileProblem(path, spec.name,
				fmt.Sprintf("wrong type %s, want %s", f.Type, wantType(spec.kind))))
			continue
		}
		fl.index[c] = idx[0]
	}
	for i, f := range sc.Fields() {
		if !IsGroupColumn(f.Name) {
			continue
		}
		if !typeAccepted(kindGroup, f.Type) {
			fl.problems = append(fl.problems, fileProblem(path, f.Name,
				fmt.Sprintf("wrong type %s, want string", f.Type)))
			continue
		}
		fl.groupNames = append(fl.groupNames, f.Name)
		fl.groupIndex = append(fl.groupIndex, i)
	}
	if p, ok := versionProblem(path, sc); ok {
		fl.problems = append(fl.problems, p)
	}
	return fl
}

// versionProblem reports a schema version this package cannot read. A file
// without a version (written by another tool) is read as the current one.
func versionProblem(path string, sc *arrow.Schema) (Problem, bool) {
	md := sc.Metadata()
	i := md.FindKey(SchemaVersionKey)
	if i < 0 {
		return Problem{}, false
	}
	v := md.Values()[i]
	got, err := strconv.Atoi(v)
	if err != nil {
		return fileProblem(path, "", fmt.Sprintf("schema version %q is not a number", v)), true
	}
	want, _ := strconv.Atoi(SchemaVersion)
	if got > want {
		return fileProblem(path, "", fmt.Sprintf("schema version %d is newer than supported version %d", got, want)), true
	}
	return Problem{}, false
}

// fileProblem is a fatal problem with a whole file or column.
func fileProblem(path, column, msg string) Problem {
	return Problem{File: path, Row: -1, Column: column, Message: msg, Fatal: true}
}
