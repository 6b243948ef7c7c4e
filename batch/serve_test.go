package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/batch"
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/serve"
)

// TestBatchEqualsHTTPAPI scores a cohort with batch.Run and sends the same
// learners (attempts oldest first, the candidates without skills) to the
// server's /v1/score/batch handler: every number of the learners and
// readiness tables equals the API's bit for bit once written as the API
// writes it (serve rounds JSON numbers to apiDecimals places; batch
// keeps the Scorer's full float64, see TestScoresMatchScorer).
func TestBatchEqualsHTTPAPI(t *testing.T) {
	t.Run("one support stage", func(t *testing.T) { checkBatchEqualsHTTPAPI(t, false) })
	t.Run("feedback stage", func(t *testing.T) { checkBatchEqualsHTTPAPI(t, true) })
}

func checkBatchEqualsHTTPAPI(t *testing.T, feedback bool) {
	dir := t.TempDir()
	cfg := simulate.DefaultConfig()
	cfg.Seed, cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts, cfg.Items, cfg.Skills = 21, 80, 10, 30, 60, 5
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mcfg := elasticity.DefaultConfig()
	mcfg.FeedbackStage = feedback
	m, err := elasticity.Fit(context.Background(), log, mcfg, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	modelDir := filepath.Join(dir, "model")
	if err := artifact.Save(modelDir, m, artifact.Metadata{}, "test\n"); err != nil {
		t.Fatal(err)
	}
	// The log file holds the rows newest first, so batch must reorder them.
	in := filepath.Join(dir, "attempts.parquet")
	w, err := datasets.Create(in, datasets.WriteOptions{Groups: log.GroupNames})
	if err != nil {
		t.Fatal(err)
	}
	for i := log.Len() - 1; i >= 0; i-- {
		a := log.At(i)
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cands := []string{m.Params().Items[1], m.Params().Items[30]}
	candFile := filepath.Join(dir, "items.txt")
	if err := os.WriteFile(candFile, []byte(cands[0]+"\n"+cands[1]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := batch.Run(context.Background(), batch.Config{Model: modelDir, In: in, Out: out, Candidates: candFile}, batch.Options{}); err != nil {
		t.Fatal(err)
	}

	api := apiScores(t, modelDir, log, cands)
	learners := readColumns(t, filepath.Join(out, batch.LearnersDir))
	if len(learners["learner_id"]) != log.Learners.Len() {
		t.Fatalf("%d learner rows, want %d", len(learners["learner_id"]), log.Learners.Len())
	}
	for i, id := range learners["learner_id"] {
		r, ok := api[id.(string)]
		if !ok {
			t.Fatalf("learner %v not answered by the API", id)
		}
		for col, want := range map[string]float64{
			"ability": r.Ability.Value, "ability_sd": r.Ability.SD,
			"elasticity": r.Elasticity.Value, "elasticity_sd": r.Elasticity.SD,
			"ability_elasticity_cov": r.Cov[0][1],
			"zad_edge":               r.ZADEdge.Value, "zad_edge_sd": r.ZADEdge.SD,
			"point_of_difficulty": r.PointOfDifficulty.Value, "point_of_difficulty_sd": r.PointOfDifficulty.SD,
			"zpd_width": r.ZPDWidth.Value, "zpd_width_sd": r.ZPDWidth.SD, "p_support_helps": r.PSupportHelps,
		} {
			if got := learners[col][i].(float64); !sameAsAPI(got, want) {
				t.Errorf("%s: %s = %v, API %v", id, col, got, want)
			}
		}
		// The band is null in both when support does not help.
		low, high := learners["zpd_low"][i], learners["zpd_high"][i]
		if r.ZPD == nil {
			if low != nil || high != nil {
				t.Errorf("%s: zpd band (%v, %v), API null", id, low, high)
			}
		} else if low == nil || high == nil || !sameAsAPI(low.(float64), r.ZPD.Low) || !sameAsAPI(high.(float64), r.ZPD.High) {
			t.Errorf("%s: zpd band (%v, %v), API %+v", id, low, high, *r.ZPD)
		}
		// The feedback stage's effects: in both with it, in neither without.
		stages := []string{"feedback_effect", "feedback_effect_sd", "hint_effect", "hint_effect_sd"}
		if r.Stages == nil {
			for _, col := range stages {
				if learners[col][i] != nil || feedback {
					t.Errorf("%s: %s = %v with the API sending no stages (feedback stage %v)", id, col, learners[col][i], feedback)
				}
			}
		} else {
			want := []float64{r.Stages.Feedback.Value, r.Stages.Feedback.SD, r.Stages.Hints.Value, r.Stages.Hints.SD}
			for k, col := range stages {
				if got, ok := learners[col][i].(float64); !ok || !sameAsAPI(got, want[k]) || !feedback {
					t.Errorf("%s: %s = %v, API %v (feedback stage %v)", id, col, learners[col][i], want[k], feedback)
				}
			}
		}
		if got := learners["attempts"][i].(int64); got != int64(r.Attempts) {
			t.Errorf("%s: attempts %d, API %d", id, got, r.Attempts)
		}
		if learners["model_version"][i] != r.ModelVersion {
			t.Errorf("%s: model_version %v, API %s", id, learners["model_version"][i], r.ModelVersion)
		}
	}
	ready := readColumns(t, filepath.Join(out, batch.ReadinessDir))
	if len(ready["learner_id"]) != len(cands)*log.Learners.Len() {
		t.Fatalf("%d readiness rows, want %d", len(ready["learner_id"]), len(cands)*log.Learners.Len())
	}
	for i, id := range ready["learner_id"] {
		var want *apiReadiness
		for k := range api[id.(string)].Readiness {
			if r := &api[id.(string)].Readiness[k]; r.ItemID == ready["item_id"][i] {
				want = r
			}
		}
		if want == nil {
			t.Fatalf("%v × %v not answered by the API", id, ready["item_id"][i])
		}
		vals := want.values()
		if len(vals) < 3 {
			t.Fatalf("API readiness %+v carries no probabilities", want)
		}
		for col, v := range vals {
			if got := ready[col][i].(float64); !sameAsAPI(got, v) {
				t.Errorf("%v × %v: %s = %v, API %v", id, want.ItemID, col, got, v)
			}
		}
		if ready["zone"][i] != want.Zone {
			t.Errorf("%v × %v: zone %v, API %s", id, want.ItemID, ready["zone"][i], want.Zone)
		}
	}
}

type apiEstimate struct {
	Value float64 `json:"value"`
	SD    float64 `json:"sd"`
}

// apiReadiness is a readiness entry of the API: probabilities either as
// estimates (independent, supported: value and sd) or as bare
// p_independent and p_supported; whichever the server sends is compared.
type apiReadiness struct {
	ItemID       string       `json:"item_id"`
	Difficulty   float64      `json:"difficulty"`
	Independent  *apiEstimate `json:"independent"`
	Supported    *apiEstimate `json:"supported"`
	PIndependent *float64     `json:"p_independent"`
	PSupported   *float64     `json:"p_supported"`
	PIndepSD     *float64     `json:"p_independent_sd"`
	PSupportedSD *float64     `json:"p_supported_sd"`
	PMastered    *float64     `json:"p_mastered"`
	PReach       *float64     `json:"p_reach"`
	Zone         string       `json:"zone"`
}

// values returns the readiness numbers the API sent, named as the
// readiness table's columns.
func (r *apiReadiness) values() map[string]float64 {
	v := map[string]float64{"difficulty": r.Difficulty}
	if r.Independent != nil {
		v["p_independent"], v["p_independent_sd"] = r.Independent.Value, r.Independent.SD
	}
	if r.Supported != nil {
		v["p_supported"], v["p_supported_sd"] = r.Supported.Value, r.Supported.SD
	}
	if r.PIndependent != nil {
		v["p_independent"] = *r.PIndependent
	}
	if r.PSupported != nil {
		v["p_supported"] = *r.PSupported
	}
	for col, p := range map[string]*float64{"p_independent_sd": r.PIndepSD, "p_supported_sd": r.PSupportedSD,
		"p_mastered": r.PMastered, "p_reach": r.PReach} {
		if p != nil {
			v[col] = *p
		}
	}
	return v
}

type apiResult struct {
	LearnerID         string                       `json:"learner_id"`
	ModelVersion      string                       `json:"model_version"`
	Attempts          int                          `json:"attempts"`
	Ability           apiEstimate                  `json:"ability"`
	Elasticity        apiEstimate                  `json:"elasticity"`
	Cov               [2][2]float64                `json:"cov"`
	ZADEdge           apiEstimate                  `json:"zad_edge"`
	PointOfDifficulty apiEstimate                  `json:"point_of_difficulty"`
	ZPD               *struct{ Low, High float64 } `json:"zpd"`
	PSupportHelps     float64                      `json:"p_support_helps"`
	Stages            *struct {
		Feedback apiEstimate `json:"feedback"`
		Hints    apiEstimate `json:"hints"`
	} `json:"stages"`
	ZPDWidth  apiEstimate    `json:"zpd_width"`
	Readiness []apiReadiness `json:"readiness"`
}

// apiScores asks the server's handler for every learner of log, attempts
// in Seq order, with the candidates.
func apiScores(t *testing.T, modelDir string, log *datasets.Log, cands []string) map[string]*apiResult {
	t.Helper()
	cfg := serve.DefaultConfig()
	cfg.Model, cfg.APIKeys, cfg.AccessLog = modelDir, []string{"k"}, false
	s, err := serve.New(cfg, serve.Options{BuildVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	type attempt struct {
		ItemID      string   `json:"item_id"`
		SkillIDs    []string `json:"skill_ids"`
		Seq         int64    `json:"seq"`
		Independent bool     `json:"correct_independent"`
		Supported   bool     `json:"correct_supported"`
		HintsUsed   int32    `json:"hints_used"`
	}
	type candidate struct {
		ItemID string `json:"item_id"`
	}
	type learner struct {
		LearnerID  string      `json:"learner_id"`
		Attempts   []attempt   `json:"attempts"`
		Candidates []candidate `json:"candidates"`
	}
	var req struct {
		Learners []learner `json:"learners"`
	}
	for u, rows := range log.Histories() {
		l := learner{LearnerID: log.Learners.ID(int32(u))}
		for _, row := range rows {
			a := log.At(int(row))
			l.Attempts = append(l.Attempts, attempt{a.Item, a.Skills, a.Seq, a.Independent, a.Supported, a.HintsUsed})
		}
		for _, c := range cands {
			l.Candidates = append(l.Candidates, candidate{c})
		}
		req.Learners = append(req.Learners, l)
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest(http.MethodPost, "/v1/score/batch", bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer k")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, hr)
	if rec.Code != http.StatusOK {
		t.Fatalf("/v1/score/batch: %d %s", rec.Code, rec.Body)
	}
	var resp struct {
		Results []*apiResult `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	out := map[string]*apiResult{}
	for _, r := range resp.Results {
		out[r.LearnerID] = r
	}
	return out
}

// readColumns reads every Parquet file in dir into columns of Go values
// (string, int64, float64), keyed by column name, files in name order.
func readColumns(t *testing.T, dir string) map[string][]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]any{}
	for _, f := range files {
		pf, err := file.OpenParquetFile(f, false)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for c := range int(tbl.NumCols()) {
			name := tbl.Schema().Field(c).Name
			for _, chunk := range tbl.Column(c).Data().Chunks() {
				for i := range chunk.Len() {
					switch a := chunk.(type) {
					case *array.String:
						cols[name] = append(cols[name], a.Value(i))
					case *array.Int64:
						cols[name] = append(cols[name], a.Value(i))
					case *array.Float64:
						if a.IsNull(i) {
							cols[name] = append(cols[name], nil)
						} else {
							cols[name] = append(cols[name], a.Value(i))
						}
					default:
						cols[name] = append(cols[name], nil)
					}
				}
			}
		}
		tbl.Release()
		pf.Close()
	}
	return cols
}

// sameAsAPI reports whether the batch value got is what the API sends for
// it: the same float64, or got rounded to apiDecimals decimal places the
// way serve's JSON encoder rounds (round half away from zero of |got|·10^d,
// then the nearest float64 to that decimal).
func sameAsAPI(got, api float64) bool {
	if math.Float64bits(got) == math.Float64bits(api) {
		return true
	}
	scale := math.Pow10(apiDecimals)
	r := math.Copysign(float64(uint64(math.Round(math.Abs(got)*scale)))/scale, got)
	return math.Float64bits(r) == math.Float64bits(api) || r == 0 && api == 0
}

// apiDecimals is the number of decimal places serve writes JSON numbers
// with (serve.Decimals, not referenced so that this test does not depend
// on serve's encoder internals).
const apiDecimals = 9
