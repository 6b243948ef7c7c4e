package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// File names inside a simulation directory. The ground truth sits in the
// TruthDir subdirectory: its leading underscore makes every log reader skip
// it (as Hive and Spark markers are skipped), so the simulation directory
// itself is a log.
const (
	AttemptsFile = "attempts.parquet"
	TruthDir     = "_truth"
	LearnersFile = TruthDir + "/learners.parquet"
	ItemsFile    = TruthDir + "/items.parquet"
	TruthFile    = TruthDir + "/truth.json"
)

// Column names of learners.parquet and items.parquet.
const (
	ColTheta      = "theta"
	ColElasticity = "elasticity"
	ColAttempts   = "attempts"
	ColItemDiff   = "difficulty"
)

// truthFormat names the layout of truth.json; bump truthVersion on any
// incompatible change.
const (
	truthFormat  = "zpd-simulation-truth"
	truthVersion = 2 // 2: the truth files moved into TruthDir
)

// truthJSON is the content of truth.json: the config that produced the
// simulation (seed included) and the skills, with counts to check the
// Parquet files against.
type truthJSON struct {
	Format   string       `json:"format"`
	Version  int          `json:"version"`
	Config   Config       `json:"config"`
	Skills   []skillJSON  `json:"skills"`
	Learners int          `json:"learners"`
	Items    int          `json:"items"`
	Attempts int64        `json:"attempts"`
	Files    truthFileSet `json:"files"`
}

type skillJSON struct {
	ID   string  `json:"id"`
	Mean float64 `json:"mean"`
}

type truthFileSet struct {
	Attempts string `json:"attempts"`
	Learners string `json:"learners"`
	Items    string `json:"items"`
}

// writeTruth writes learners.parquet, items.parquet and truth.json into
// dir's TruthDir.
func writeTruth(dir string, t *Truth) error {
	if err := os.MkdirAll(filepath.Join(dir, TruthDir), 0o755); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if err := writeParquet(filepath.Join(dir, LearnersFile), learnersRecord(t)); err != nil {
		return err
	}
	if err := writeParquet(filepath.Join(dir, ItemsFile), itemsRecord(t)); err != nil {
		return err
	}
	doc := truthJSON{
		Format: truthFormat, Version: truthVersion, Config: t.Config,
		Learners: len(t.Learners), Items: len(t.Items), Attempts: t.Attempts,
		Files: truthFileSet{AttemptsFile, LearnersFile, ItemsFile},
	}
	for _, s := range t.Skills {
		doc.Skills = append(doc.Skills, skillJSON(s))
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("simulate: encode %s: %w", TruthFile, err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, TruthFile), append(data, '\n'))
}

// learnersRecord lays out the learners' truth as one record batch.
func learnersRecord(t *Truth) arrow.RecordBatch {
	fields := []arrow.Field{
		{Name: "learner_id", Type: arrow.BinaryTypes.String},
		{Name: ColTheta, Type: arrow.PrimitiveTypes.Float64},
		{Name: ColElasticity, Type: arrow.PrimitiveTypes.Float64},
		{Name: ColAttempts, Type: arrow.PrimitiveTypes.Int32},
	}
	groups := t.Config.Groups > 0
	if groups {
		fields = append(fields, arrow.Field{Name: GroupColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, l := range t.Learners {
		b.Field(0).(*array.StringBuilder).Append(l.ID)
		b.Field(1).(*array.Float64Builder).Append(l.Theta)
		b.Field(2).(*array.Float64Builder).Append(l.Elasticity)
		b.Field(3).(*array.Int32Builder).Append(int32(l.Attempts))
		if groups {
			b.Field(4).(*array.StringBuilder).Append(l.Group)
		}
	}
	return b.NewRecordBatch()
}

// itemsRecord lays out the items' truth as one record batch.
func itemsRecord(t *Truth) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "item_id", Type: arrow.BinaryTypes.String},
		{Name: ColItemDiff, Type: arrow.PrimitiveTypes.Float64},
		{Name: "skill_ids", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "hints_available", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	skills := b.Field(2).(*array.ListBuilder)
	skillIDs := skills.ValueBuilder().(*array.StringBuilder)
	for _, it := range t.Items {
		b.Field(0).(*array.StringBuilder).Append(it.ID)
		b.Field(1).(*array.Float64Builder).Append(it.Difficulty)
		skills.Append(true)
		for _, s := range it.Skills {
			skillIDs.Append(s)
		}
		b.Field(3).(*array.Int32Builder).Append(it.HintsAvailable)
	}
	return b.NewRecordBatch()
}

// writeParquet writes rec to path as zstd Parquet, atomically, and releases
// rec.
func writeParquet(path string, rec arrow.RecordBatch) error {
	defer rec.Release()
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	defer f.Abort()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	// The Parquet writer closes a sink that is an io.Closer; hide Close so
	// that Commit can still sync and rename the file.
	w, err := pqarrow.NewFileWriter(rec.Schema(), struct{ io.Writer }{f}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("simulate: write %s: %w", path, err)
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return fmt.Errorf("simulate: write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("simulate: write %s: %w", path, err)
	}
	return f.Commit()
}

// ReadTruth reads the ground truth of a simulation directory written by
// WriteDir.
func ReadTruth(dir string) (*Truth, error) {
	path := filepath.Join(dir, TruthFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	var doc truthJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("simulate: %s: %w", path, err)
	}
	if doc.Format != truthFormat || doc.Version != truthVersion {
		return nil, fmt.Errorf("simulate: %s: format %q version %d, want %q version %d", path, doc.Format, doc.Version, truthFormat, truthVersion)
	}
	t := &Truth{Config: doc.Config, Attempts: doc.Attempts}
	for _, s := range doc.Skills {
		t.Skills = append(t.Skills, SkillTruth(s))
	}
	if t.Learners, err = readLearners(filepath.Join(dir, LearnersFile), doc.Learners); err != nil {
		return nil, err
	}
	if t.Items, err = readItems(filepath.Join(dir, ItemsFile), doc.Items, t.Skills); err != nil {
		return nil, err
	}
	return t, nil
}

// readTable reads a whole Parquet file and checks its row count.
func readTable(path string, rows int) (arrow.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("simulate: read %s: %w", path, err)
	}
	if tbl.NumRows() != int64(rows) {
		tbl.Release()
		return nil, fmt.Errorf("simulate: %s has %d rows, %s says %d", path, tbl.NumRows(), TruthFile, rows)
	}
	return tbl, nil
}

// column returns the named column of tbl as one array of type A.
func column[A arrow.Array](path string, tbl arrow.Table, name string) (A, error) {
	var zero A
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		return zero, fmt.Errorf("simulate: %s: no column %q", path, name)
	}
	chunks := tbl.Column(idx[0]).Data().Chunks()
	arr, err := array.Concatenate(chunks, memory.DefaultAllocator)
	if err != nil {
		return zero, fmt.Errorf("simulate: %s: column %q: %w", path, name, err)
	}
	a, ok := arr.(A)
	if !ok {
		arr.Release()
		return zero, fmt.Errorf("simulate: %s: column %q has type %s", path, name, arr.DataType())
	}
	return a, nil
}

func readLearners(path string, rows int) ([]LearnerTruth, error) {
	tbl, err := readTable(path, rows)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	ids, err := column[*array.String](path, tbl, "learner_id")
	if err != nil {
		return nil, err
	}
	defer ids.Release()
	theta, err := column[*array.Float64](path, tbl, ColTheta)
	if err != nil {
		return nil, err
	}
	defer theta.Release()
	elas, err := column[*array.Float64](path, tbl, ColElasticity)
	if err != nil {
		return nil, err
	}
	defer elas.Release()
	n, err := column[*array.Int32](path, tbl, ColAttempts)
	if err != nil {
		return nil, err
	}
	defer n.Release()
	var group *array.String
	if len(tbl.Schema().FieldIndices(GroupColumn)) > 0 {
		if group, err = column[*array.String](path, tbl, GroupColumn); err != nil {
			return nil, err
		}
		defer group.Release()
	}
	out := make([]LearnerTruth, rows)
	for i := range out {
		out[i] = LearnerTruth{ID: ids.Value(i), Theta: theta.Value(i), Elasticity: elas.Value(i), Attempts: int(n.Value(i))}
		if group != nil {
			out[i].Group = group.Value(i)
		}
	}
	return out, nil
}

func readItems(path string, rows int, skills []SkillTruth) ([]ItemTruth, error) {
	tbl, err := readTable(path, rows)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	ids, err := column[*array.String](path, tbl, "item_id")
	if err != nil {
		return nil, err
	}
	defer ids.Release()
	diff, err := column[*array.Float64](path, tbl, ColItemDiff)
	if err != nil {
		return nil, err
	}
	defer diff.Release()
	lists, err := column[*array.List](path, tbl, "skill_ids")
	if err != nil {
		return nil, err
	}
	defer lists.Release()
	hints, err := column[*array.Int32](path, tbl, "hints_available")
	if err != nil {
		return nil, err
	}
	defer hints.Release()
	names, ok := lists.ListValues().(*array.String)
	if !ok {
		return nil, fmt.Errorf("simulate: %s: column skill_ids holds %s, want strings", path, lists.ListValues().DataType())
	}
	skillIndex := make(map[string]int32, len(skills))
	for k, s := range skills {
		skillIndex[s.ID] = int32(k)
	}
	out := make([]ItemTruth, rows)
	for j := range out {
		it := ItemTruth{ID: ids.Value(j), Difficulty: diff.Value(j), HintsAvailable: hints.Value(j)}
		start, end := lists.ValueOffsets(j)
		for p := start; p < end; p++ {
			s := names.Value(int(p))
			k, ok := skillIndex[s]
			if !ok {
				return nil, fmt.Errorf("simulate: %s: row %d: skill %q is not in %s", path, j, s, TruthFile)
			}
			it.Skills = append(it.Skills, s)
			it.skills = append(it.skills, k)
		}
		out[j] = it
	}
	return out, nil
}
