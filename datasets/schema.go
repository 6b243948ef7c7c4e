package datasets

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// SchemaVersion is the version of the canonical attempt-log schema. It is
// stored in the Arrow schema metadata under SchemaVersionKey and bumped on any
// incompatible change.
const SchemaVersion = "1"

// SchemaVersionKey is the schema-metadata key holding SchemaVersion.
const SchemaVersionKey = "zpd.schema_version"

// Column names of the canonical schema.
const (
	ColLearner        = "learner_id"
	ColItem           = "item_id"
	ColSkills         = "skill_ids"
	ColSeq            = "seq"
	ColTime           = "timestamp"
	ColIndependent    = "correct_independent"
	ColSupported      = "correct_supported"
	ColHintsUsed      = "hints_used"
	ColHintsAvailable = "hints_available"
	ColRetries        = "retries"
	ColScaffolded     = "scaffolded"
	ColAnswerGiven    = "answer_given"
	ColResponseMS     = "response_ms"
	ColDifficulty     = "item_difficulty"
)

// GroupPrefix starts the name of every group column (for example
// "group_school"); group columns are optional nullable strings kept for
// equity slices.
const GroupPrefix = "group_"

// IsGroupColumn reports whether name is a group column.
func IsGroupColumn(name string) bool {
	return strings.HasPrefix(name, GroupPrefix) && len(name) > len(GroupPrefix)
}

// Schema returns the canonical Arrow schema with the given group columns
// appended (each named with GroupPrefix).
func Schema(groups ...string) *arrow.Schema {
	fields := []arrow.Field{
		{Name: ColLearner, Type: arrow.BinaryTypes.String},
		{Name: ColItem, Type: arrow.BinaryTypes.String},
		{Name: ColSkills, Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: ColSeq, Type: arrow.PrimitiveTypes.Int64},
		{Name: ColTime, Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: ColIndependent, Type: arrow.FixedWidthTypes.Boolean},
		{Name: ColSupported, Type: arrow.FixedWidthTypes.Boolean},
		{Name: ColHintsUsed, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColHintsAvailable, Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: ColRetries, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColScaffolded, Type: arrow.FixedWidthTypes.Boolean},
		{Name: ColAnswerGiven, Type: arrow.FixedWidthTypes.Boolean},
		{Name: ColResponseMS, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: ColDifficulty, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}
	for _, g := range groups {
		fields = append(fields, arrow.Field{Name: g, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	md := arrow.NewMetadata([]string{SchemaVersionKey}, []string{SchemaVersion})
	return arrow.NewSchema(fields, &md)
}
