package batch

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// loadTestModel loads the test artifact as the server does.
func loadTestModel(t *testing.T, dir string) (*elasticity.Model, artifact.Metadata) {
	t.Helper()
	m, meta, err := loadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, meta
}

// writeCandidates writes a text candidates file: a comment, a blank line
// and the ids.
func writeCandidates(t *testing.T, dir string, ids []string) string {
	t.Helper()
	path := filepath.Join(dir, "candidates.txt")
	text := "# candidate items\n\n" + strings.Join(ids, "\n") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runParts runs cfg with the plan forced to parts parts (the budget would
// give one part for a test-sized cohort), so that the spill path runs.
// Output row groups are a few rows, so every file has several.
func runParts(t *testing.T, cfg Config, parts int) *Result {
	t.Helper()
	r, err := newRun(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if parts > 0 {
		r.key.Parts = parts
	}
	r.groupRows = [2]int{17, 40}
	res, err := r.execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestScoresMatchScorer checks every output row against the Scorer called
// the way the server calls it: Score on the learner's full history in Seq
// order, built with History.AddAttempt from datasets.Attempt, then
// Readiness for each candidate. The log's rows are shuffled over several
// files, so batch must regroup and reorder them; equality is bit for bit.
func TestScoresMatchScorer(t *testing.T) {
	dir := t.TempDir()
	flat, flatLog := writeShuffledLog(t, dir, simConfig(3, 200, 120, 8), 3)
	hive, hiveLog := writeHiveLog(t, dir, simConfig(4, 150, 120, 8), 3)
	modelDir := testModel(t)
	m, meta := loadTestModel(t, modelDir)
	cands := []string{m.Params().Items[0], m.Params().Items[7], m.Params().Items[42]}
	candFile := writeCandidates(t, dir, cands)

	for _, tc := range []struct {
		name  string
		in    string
		log   *datasets.Log
		parts int
	}{
		{"in memory", flat, flatLog, 0},
		{"spilled in 3 parts", flat, flatLog, 3},
		{"Hive tree spilled in 2 parts", hive, hiveLog, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, log := tc.in, tc.log
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			res := runParts(t, Config{Model: modelDir, In: in, Out: out, Candidates: candFile}, tc.parts)
			rows := sortedLearners(readLearners(t, out))
			ready := readReadiness(t, out)
			if len(rows) != log.Learners.Len() || res.Manifest.Learners != int64(len(rows)) {
				t.Fatalf("%d learner rows, manifest %d, log has %d learners", len(rows), res.Manifest.Learners, log.Learners.Len())
			}
			if res.Manifest.Attempts != int64(log.Len()) || len(ready) != len(rows)*len(cands) {
				t.Fatalf("manifest attempts %d (log %d); %d readiness rows, want %d", res.Manifest.Attempts, log.Len(), len(ready), len(rows)*len(cands))
			}
			byLearner := map[string][]readinessRow{}
			for _, r := range ready {
				byLearner[r.learner] = append(byLearner[r.learner], r)
			}
			want := referenceScores(m, log)
			sc := elasticity.NewScorer(m)
			for _, got := range rows {
				w, ok := want[got.id]
				if !ok {
					t.Fatalf("learner %q is not in the log", got.id)
				}
				if got.version != meta.ModelVersion {
					t.Errorf("%s: model_version %q, want %q", got.id, got.version, meta.ModelVersion)
				}
				if got.attempts != w.attempts || got.independent != w.independent || got.supported != w.supported ||
					got.lastSeq != w.lastSeq || got.lastTimeMS != w.lastTimeMS {
					t.Errorf("%s: counts %+v, want %+v", got.id, got, w)
				}
				for j := range got.floats {
					if math.Float64bits(got.floats[j]) != math.Float64bits(w.floats[j]) {
						t.Errorf("%s: %s = %v, Scorer gives %v", got.id, LearnersSchema().Field(7+j).Name, got.floats[j], w.floats[j])
					}
				}
				// Readiness after Score on the same history, candidates in file order.
				sc.Score(w.history)
				lr := byLearner[got.id]
				if len(lr) != len(cands) {
					t.Fatalf("%s: %d readiness rows, want %d", got.id, len(lr), len(cands))
				}
				for j, id := range cands {
					r := sc.Readiness(m.ItemIndex(id), nil)
					wantF := [7]float64{r.Difficulty, r.Independent.Value, r.Independent.SD, r.Supported.Value, r.Supported.SD,
						r.PMastered, r.PReach}
					if lr[j].item != id || lr[j].zone != r.Zone.String() || lr[j].floats != wantF {
						t.Errorf("%s × %s: readiness %+v, Scorer gives %v %s", got.id, id, lr[j], wantF, r.Zone)
					}
				}
			}
		})
	}
}

// reference is what the Scorer gives one learner, as a learners-table row.
type reference struct {
	learnerRow
	history *elasticity.History
}

// referenceScores scores every learner of log independently of batch's
// grouping: attempts as datasets.Attempt in Seq order, History.AddAttempt,
// one Score per learner.
func referenceScores(m *elasticity.Model, log *datasets.Log) map[string]*reference {
	out := map[string]*reference{}
	sc := elasticity.NewScorer(m)
	for u, rows := range log.Histories() {
		ref := &reference{history: &elasticity.History{}}
		ref.id, ref.lastTimeMS, ref.lastSeq = log.Learners.ID(int32(u)), noTime, math.MinInt64
		for _, row := range rows {
			a := log.At(int(row))
			ref.history.AddAttempt(m.Index(), &a)
			ref.attempts++
			if a.Independent {
				ref.independent++
			}
			if a.Supported {
				ref.supported++
			}
			ref.lastSeq = max(ref.lastSeq, a.Seq)
			if !a.Time.IsZero() {
				ref.lastTimeMS = max(ref.lastTimeMS, a.Time.UnixMilli())
			}
		}
		p := sc.Score(ref.history)
		low, high := p.ZPD.Low, p.ZPD.High
		if !p.SupportHelps() {
			low, high = math.NaN(), math.NaN() // null in the table
		}
		ref.floats = [14]float64{p.Ability.Value, p.Ability.SD, p.Elasticity.Value, p.Elasticity.SD, p.Cov[0][1],
			p.ZADEdge.Value, p.ZADEdge.SD, p.PointOfDifficulty.Value, p.PointOfDifficulty.SD,
			low, high, p.ZPDWidth.Value, p.ZPDWidth.SD, p.PSupportHelps}
		out[ref.id] = ref
	}
	return out
}

// TestShardsUnionEqualsSingleRun runs a cohort whole, then as three shards
// (each spilled in two parts) writing into one directory: the shards'
// files are disjoint and their rows together are the single run's, row
// for row.
func TestShardsUnionEqualsSingleRun(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeShuffledLog(t, dir, simConfig(5, 240, 120, 8), 2)
	modelDir := testModel(t)
	m, _ := loadTestModel(t, modelDir)
	candFile := writeCandidates(t, dir, m.Params().Items[:4])

	single := filepath.Join(dir, "single")
	runParts(t, Config{Model: modelDir, In: in, Out: single, Candidates: candFile}, 1)
	sharded := filepath.Join(dir, "sharded")
	seen := map[string]bool{}
	for i := range 3 {
		res := runParts(t, Config{Model: modelDir, In: in, Out: sharded, Candidates: candFile, Shard: Shard{i, 3}}, 2)
		if res.Manifest.Learners == 0 {
			t.Errorf("shard %d/3 scored no learners", i)
		}
		for _, f := range res.Manifest.Files {
			if seen[f.Path] {
				t.Errorf("file %s written by two shards", f.Path)
			}
			seen[f.Path] = true
		}
	}
	want, got := sortedLearners(readLearners(t, single)), sortedLearners(readLearners(t, sharded))
	if !slices.EqualFunc(got, want, learnerRow.sameRow) {
		t.Errorf("union of shards: %d learner rows, single run %d; they differ", len(got), len(want))
	}
	for k := 1; k < len(got); k++ {
		if got[k].id == got[k-1].id {
			t.Errorf("learner %s scored by two shards", got[k].id)
		}
	}
	wantR, gotR := sortedReadiness(readReadiness(t, single)), sortedReadiness(readReadiness(t, sharded))
	if !slices.Equal(gotR, wantR) {
		t.Errorf("union of shards: %d readiness rows, single run %d; they differ", len(gotR), len(wantR))
	}
}
