package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
)

const (
	testAPIKey   = "test-api-key"
	testAdminKey = "test-admin-key"
)

// fixture is a fitted elasticity model on a small simulated log, shared by
// the package's tests (fitting once keeps them fast).
type fixture struct {
	dir   string // artifact directory; copy it before changing it
	log   *datasets.Log
	model *elasticity.Model
	meta  artifact.Metadata
	err   error
}

var (
	fixtureOnce sync.Once
	fix         fixture
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.dir != "" {
		os.RemoveAll(filepath.Dir(fix.dir))
	}
	os.Exit(code)
}

// fitted returns the shared fixture, fitting it on first use.
func fitted(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		cfg := simulate.DefaultConfig()
		cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = 150, 20, 40
		cfg.Items, cfg.Skills, cfg.Seed = 60, 6, 3
		log, _, err := simulate.SimulateLog(cfg)
		if err != nil {
			fix.err = err
			return
		}
		m, err := elasticity.Family{}.Fit(context.Background(), log, models.FitOptions{Seed: 1})
		if err != nil {
			fix.err = err
			return
		}
		root, err := os.MkdirTemp("", "zpd-serve-test-")
		if err != nil {
			fix.err = err
			return
		}
		fix.dir = filepath.Join(root, "model")
		md := artifact.Metadata{SchemaVersion: datasets.SchemaVersion, BuildVersion: "test",
			Metrics: map[string]float64{"auc_ind": 0.7}}
		if fix.err = artifact.Save(fix.dir, m, md, "test model\n"); fix.err != nil {
			return
		}
		a, err := artifact.Load(fix.dir, catalog.Lookup)
		if err != nil {
			fix.err = err
			return
		}
		fix.log, fix.model, fix.meta = log, m.(*elasticity.Model), a.Metadata
	})
	if fix.err != nil {
		t.Fatalf("test model: %v", fix.err)
	}
	return &fix
}

// copyArtifact copies the fixture's artifact into a fresh directory, so a
// test may replace or damage it.
func copyArtifact(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "model")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{artifact.ParamsFile, artifact.MetadataFile, artifact.SummaryFile} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func testConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.Model = dir
	cfg.APIKeys = []string{testAPIKey}
	cfg.AdminKeys = []string{testAdminKey}
	cfg.AccessLog = false
	return cfg
}

func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg, Options{BuildVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call sends one request to h with the API key (key "" sends none).
func call(h http.Handler, method, path, key string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decodeJSON decodes a response body into a generic value.
func decodeJSON(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, body)
	}
	return v
}

// wireAttempt is an attempt as a platform would send it (the log schema's
// field names), built independently of the server's decoder.
type wireAttempt struct {
	ItemID             string   `json:"item_id"`
	SkillIDs           []string `json:"skill_ids"`
	Seq                int64    `json:"seq"`
	Timestamp          string   `json:"timestamp,omitempty"`
	CorrectIndependent bool     `json:"correct_independent"`
	CorrectSupported   bool     `json:"correct_supported"`
	HintsUsed          int32    `json:"hints_used"`
	HintsAvailable     *int32   `json:"hints_available"`
	Retries            int32    `json:"retries"`
	Scaffolded         bool     `json:"scaffolded"`
	AnswerGiven        bool     `json:"answer_given"`
}

type wireCandidate struct {
	ItemID     string   `json:"item_id"`
	SkillIDs   []string `json:"skill_ids,omitempty"`
	Difficulty *float64 `json:"difficulty,omitempty"`
}

type wireLearner struct {
	LearnerID  string          `json:"learner_id"`
	Attempts   []wireAttempt   `json:"attempts"`
	Candidates []wireCandidate `json:"candidates,omitempty"`
	Options    map[string]int  `json:"options,omitempty"`
}

func toWire(a datasets.Attempt) wireAttempt {
	w := wireAttempt{
		ItemID: a.Item, SkillIDs: a.Skills, Seq: a.Seq,
		CorrectIndependent: a.Independent, CorrectSupported: a.Supported,
		HintsUsed: a.HintsUsed, Retries: a.Retries, Scaffolded: a.Scaffolded, AnswerGiven: a.AnswerGiven,
	}
	if !a.Time.IsZero() {
		w.Timestamp = a.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if a.HintsAvailable != datasets.Unknown {
		h := a.HintsAvailable
		w.HintsAvailable = &h
	}
	return w
}

// learnerAttempts returns learner u's attempts from the fixture's log.
func (f *fixture) learnerAttempts(u int) []datasets.Attempt {
	var out []datasets.Attempt
	for _, row := range f.log.Histories()[u] {
		out = append(out, f.log.At(int(row)))
	}
	return out
}

// wireLearnerFor builds a request for learner u of the log with nCand
// candidates drawn from the model's items (seeded).
func (f *fixture) wireLearnerFor(u, nCand int, seed uint64) wireLearner {
	l := wireLearner{LearnerID: "u" + strconv.Itoa(u)}
	for _, a := range f.learnerAttempts(u) {
		l.Attempts = append(l.Attempts, toWire(a))
	}
	rng := rand.New(rand.NewPCG(seed, uint64(u)))
	items := f.model.Params().Items
	for range nCand {
		l.Candidates = append(l.Candidates, wireCandidate{ItemID: items[rng.IntN(len(items))]})
	}
	return l
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func approx(a, b float64) bool {
	d := a - b
	return d < 2e-9 && d > -2e-9 // responses carry Decimals (9) decimal places
}

func num(t testing.TB, v any, path string) float64 {
	t.Helper()
	cur := v
	for _, k := range splitPath(path) {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(c) {
				t.Fatalf("path %s: bad index %s", path, k)
			}
			cur = c[i]
		default:
			t.Fatalf("path %s: %T at %s", path, cur, k)
		}
	}
	f, ok := cur.(float64)
	if !ok {
		t.Fatalf("path %s: %v (%T) is not a number", path, cur, cur)
	}
	return f
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

var _ = fmt.Sprint
