package batch

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/zpd-project/zpd/models/elasticity"
)

// LearnersSchema is the schema of the learners table: one row per learner.
// Difficulties are on the model's item-difficulty (logit) scale; docs/score.md
// defines every column.
func LearnersSchema() *arrow.Schema {
	f64 := arrow.PrimitiveTypes.Float64
	return arrow.NewSchema([]arrow.Field{
		{Name: "learner_id", Type: arrow.BinaryTypes.String},
		{Name: "model_version", Type: arrow.BinaryTypes.String},
		{Name: "attempts", Type: arrow.PrimitiveTypes.Int64},
		{Name: "independent", Type: arrow.PrimitiveTypes.Int64},
		{Name: "supported", Type: arrow.PrimitiveTypes.Int64},
		{Name: "last_seq", Type: arrow.PrimitiveTypes.Int64},
		{Name: "last_timestamp", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ability", Type: f64},
		{Name: "ability_sd", Type: f64},
		{Name: "elasticity", Type: f64},
		{Name: "elasticity_sd", Type: f64},
		{Name: "ability_elasticity_cov", Type: f64},
		{Name: "zad_edge", Type: f64},
		{Name: "zad_edge_sd", Type: f64},
		{Name: "point_of_difficulty", Type: f64},
		{Name: "point_of_difficulty_sd", Type: f64},
		{Name: "zpd_low", Type: f64},
		{Name: "zpd_high", Type: f64},
		{Name: "zpd_width", Type: f64},
		{Name: "zpd_width_sd", Type: f64},
	}, nil)
}

// ReadinessSchema is the schema of the readiness table: one row per
// learner × candidate item, in learner order then candidate order.
func ReadinessSchema() *arrow.Schema {
	f64 := arrow.PrimitiveTypes.Float64
	return arrow.NewSchema([]arrow.Field{
		{Name: "learner_id", Type: arrow.BinaryTypes.String},
		{Name: "item_id", Type: arrow.BinaryTypes.String},
		{Name: "difficulty", Type: f64},
		{Name: "p_independent", Type: f64},
		{Name: "p_independent_sd", Type: f64},
		{Name: "p_supported", Type: f64},
		{Name: "p_supported_sd", Type: f64},
		{Name: "zone", Type: arrow.BinaryTypes.String},
	}, nil)
}

// LearnerScore is one learner's row of the learners table.
type LearnerScore struct {
	Learner string
	// Attempts, Independent and Supported count the learner's attempts and
	// those with correct_independent and correct_supported set.
	Attempts, Independent, Supported int64
	// LastSeq is the largest Seq; LastTimeMS the latest known timestamp in
	// Unix ms, or datasets.NoTime when none is known.
	LastSeq, LastTimeMS int64
	Posterior           elasticity.Posterior
}

// learnersTable appends LearnerScores to a learners table.
type learnersTable struct {
	*table
	version string
	str     [2]*array.StringBuilder
	ints    [4]*array.Int64Builder
	time    *array.TimestampBuilder
	f64     []*array.Float64Builder
}

func newLearnersTable(t *table, version string) *learnersTable {
	lt := &learnersTable{table: t, version: version}
	b := t.b
	lt.str = [2]*array.StringBuilder{b.Field(0).(*array.StringBuilder), b.Field(1).(*array.StringBuilder)}
	for i := range lt.ints {
		lt.ints[i] = b.Field(2 + i).(*array.Int64Builder)
	}
	lt.time = b.Field(6).(*array.TimestampBuilder)
	for i := 7; i < b.Schema().NumFields(); i++ {
		lt.f64 = append(lt.f64, b.Field(i).(*array.Float64Builder))
	}
	return lt
}

func (lt *learnersTable) append(s *LearnerScore) error {
	lt.str[0].Append(s.Learner)
	lt.str[1].Append(lt.version)
	lt.ints[0].Append(s.Attempts)
	lt.ints[1].Append(s.Independent)
	lt.ints[2].Append(s.Supported)
	lt.ints[3].Append(s.LastSeq)
	if s.LastTimeMS == noTime {
		lt.time.AppendNull()
	} else {
		lt.time.Append(arrow.Timestamp(s.LastTimeMS))
	}
	p := &s.Posterior
	for i, v := range [...]float64{
		p.Ability.Value, p.Ability.SD, p.Elasticity.Value, p.Elasticity.SD, p.Cov[0][1],
		p.ZADEdge.Value, p.ZADEdge.SD, p.PointOfDifficulty.Value, p.PointOfDifficulty.SD,
		p.ZPD.Low, p.ZPD.High, p.ZPDWidth.Value, p.ZPDWidth.SD,
	} {
		lt.f64[i].Append(v)
	}
	return lt.rowAdded()
}

// readinessTable appends learner × item forecasts to a readiness table.
type readinessTable struct {
	*table
	learner, item, zone *array.StringBuilder
	f64                 [5]*array.Float64Builder
}

func newReadinessTable(t *table) *readinessTable {
	b := t.b
	rt := &readinessTable{table: t,
		learner: b.Field(0).(*array.StringBuilder),
		item:    b.Field(1).(*array.StringBuilder),
		zone:    b.Field(7).(*array.StringBuilder),
	}
	for i := range rt.f64 {
		rt.f64[i] = b.Field(2 + i).(*array.Float64Builder)
	}
	return rt
}

func (rt *readinessTable) append(learner, item string, r *elasticity.Readiness) error {
	rt.learner.Append(learner)
	rt.item.Append(item)
	for i, v := range [...]float64{r.Difficulty, r.Independent.Value, r.Independent.SD, r.Supported.Value, r.Supported.SD} {
		rt.f64[i].Append(v)
	}
	rt.zone.Append(r.Zone.String())
	return rt.rowAdded()
}
