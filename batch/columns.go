package batch

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
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
		{Name: "zpd_low", Type: f64, Nullable: true},
		{Name: "zpd_high", Type: f64, Nullable: true},
		{Name: "zpd_width", Type: f64},
		{Name: "zpd_width_sd", Type: f64},
		{Name: "p_support_helps", Type: f64},
		{Name: "feedback_effect", Type: f64, Nullable: true},
		{Name: "feedback_effect_sd", Type: f64, Nullable: true},
		{Name: "hint_effect", Type: f64, Nullable: true},
		{Name: "hint_effect_sd", Type: f64, Nullable: true},
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
		{Name: "p_mastered", Type: f64},
		{Name: "p_reach", Type: f64},
		{Name: "zone", Type: arrow.BinaryTypes.String},
	}, nil)
}

// learnerScore is one learner's row of the learners table.
type learnerScore struct {
	learner string
	// attempts, independent and supported count the learner's attempts and
	// those with correct_independent and correct_supported set.
	attempts, independent, supported int64
	// lastSeq is the largest Seq; lastTimeMS the latest known timestamp in
	// Unix ms, or datasets.NoTime when none is known.
	lastSeq, lastTimeMS int64
	posterior           elasticity.Posterior
}

// learnersTable appends learner scores to a learners table.
type learnersTable struct {
	*table
	version     string
	learner, mv stringColumn
	ints        [4]int64Column // attempts, independent, supported, last_seq
	time        int64Column
	f64         [18]float64Column
}

// Columns of learnersTable.f64 that hold the ZPD band (null when support
// does not help the learner), and the first of the four that hold the
// feedback stage's effects (null for a model without it).
const zpdLowColumn, zpdHighColumn, stageColumn = 9, 10, 14

// newLearnersTable starts the learners table rel under dir.
func newLearnersTable(dir, rel, version string, groupRows int) (*learnersTable, error) {
	sc := LearnersSchema()
	lt := &learnersTable{version: version}
	for i := range lt.ints {
		lt.ints[i].typ = arrow.PrimitiveTypes.Int64
	}
	lt.f64[zpdLowColumn].nullable, lt.f64[zpdHighColumn].nullable = true, true
	for i := stageColumn; i < len(lt.f64); i++ {
		lt.f64[i].nullable = true
	}
	lt.time = int64Column{typ: sc.Field(6).Type, nullable: true}
	cols := []column{&lt.learner, &lt.mv, &lt.ints[0], &lt.ints[1], &lt.ints[2], &lt.ints[3], &lt.time}
	for i := range lt.f64 {
		cols = append(cols, &lt.f64[i])
	}
	t, err := createTable(dir, rel, sc, cols, groupRows)
	lt.table = t
	return lt, err
}

func (lt *learnersTable) append(s *learnerScore) error {
	lt.learner.append(s.learner)
	lt.mv.append(lt.version)
	for i, v := range [...]int64{s.attempts, s.independent, s.supported, s.lastSeq} {
		lt.ints[i].append(v)
	}
	if s.lastTimeMS == noTime {
		lt.time.appendNull()
	} else {
		lt.time.append(s.lastTimeMS)
	}
	p := &s.posterior
	for i, v := range [...]float64{
		p.Ability.Value, p.Ability.SD, p.Elasticity.Value, p.Elasticity.SD, p.Cov[0][1],
		p.ZADEdge.Value, p.ZADEdge.SD, p.PointOfDifficulty.Value, p.PointOfDifficulty.SD,
		p.ZPD.Low, p.ZPD.High, p.ZPDWidth.Value, p.ZPDWidth.SD, p.PSupportHelps,
		p.Stages.Feedback.Value, p.Stages.Feedback.SD, p.Stages.Hints.Value, p.Stages.Hints.SD,
	} {
		if (i == zpdLowColumn || i == zpdHighColumn) && !p.SupportHelps() || i >= stageColumn && !p.FeedbackStage() {
			lt.f64[i].appendNull()
			continue
		}
		lt.f64[i].append(v)
	}
	return lt.rowAdded()
}

// readinessTable appends learner × item forecasts to a readiness table.
type readinessTable struct {
	*table
	learner, item, zone stringColumn
	f64                 [7]float64Column
}

// newReadinessTable starts the readiness table rel under dir.
func newReadinessTable(dir, rel string, groupRows int) (*readinessTable, error) {
	rt := &readinessTable{}
	cols := []column{&rt.learner, &rt.item}
	for i := range rt.f64 {
		cols = append(cols, &rt.f64[i])
	}
	cols = append(cols, &rt.zone)
	t, err := createTable(dir, rel, ReadinessSchema(), cols, groupRows)
	rt.table = t
	return rt, err
}

func (rt *readinessTable) append(learner, item string, r *elasticity.Readiness) error {
	rt.learner.append(learner)
	rt.item.append(item)
	for i, v := range [...]float64{r.Difficulty, r.Independent.Value, r.Independent.SD, r.Supported.Value, r.Supported.SD,
		r.PMastered, r.PReach} {
		rt.f64[i].append(v)
	}
	rt.zone.append(r.Zone.String())
	return rt.rowAdded()
}

// RecommendationsSchema is the schema of the recommendations table: one row
// per learner × recommendation, in learner order then position.
func RecommendationsSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "learner_id", Type: arrow.BinaryTypes.String},
		{Name: "position", Type: arrow.PrimitiveTypes.Int64},
		{Name: "item_id", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "reason", Type: arrow.BinaryTypes.String},
		{Name: "policy", Type: arrow.BinaryTypes.String},
	}, nil)
}

// recommendationsTable appends recommendations to a recommendations table.
type recommendationsTable struct {
	*table
	policy                                string
	learner, item, kind, reason, policyID stringColumn
	position                              int64Column
}

// newRecommendationsTable starts the recommendations table rel under dir.
func newRecommendationsTable(dir, rel, policy string, groupRows int) (*recommendationsTable, error) {
	rt := &recommendationsTable{policy: policy}
	rt.position.typ = arrow.PrimitiveTypes.Int64
	cols := []column{&rt.learner, &rt.position, &rt.item, &rt.kind, &rt.reason, &rt.policyID}
	t, err := createTable(dir, rel, RecommendationsSchema(), cols, groupRows)
	rt.table = t
	return rt, err
}

func (rt *recommendationsTable) append(learner, item string, r *pathway.Recommendation) error {
	rt.learner.append(learner)
	rt.position.append(int64(r.Position))
	rt.item.append(item)
	rt.kind.append(r.Kind.String())
	rt.reason.append(r.Reason)
	rt.policyID.append(rt.policy)
	return rt.rowAdded()
}
