package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/itemmean"
)

func TestRequestErrors(t *testing.T) {
	f := fitted(t)
	cfg := testConfig(f.dir)
	cfg.MaxBodyBytes = 4096
	cfg.MaxAttempts, cfg.MaxCandidates, cfg.MaxBatchLearners = 3, 2, 2
	cfg.Recommendations = 1
	s := newTestServer(t, cfg)
	item := f.model.Params().Items[0]
	att := `{"item_id":"` + item + `","correct_independent":true,"correct_supported":true}`
	tests := []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		{"not JSON", "/v1/score", `{"learner_id":`, 400, codeBadJSON, ""},
		{"trailing data", "/v1/score", `{"learner_id":"a"} x`, 400, codeBadJSON, ""},
		{"not an object", "/v1/score", `[1]`, 422, codeInvalid, ""},
		{"no learner_id", "/v1/score", `{"attempts":[]}`, 422, codeInvalid, "learner_id"},
		{"learner_id type", "/v1/score", `{"learner_id":7}`, 422, codeInvalid, "learner_id"},
		{"attempts type", "/v1/score", `{"learner_id":"a","attempts":{}}`, 422, codeInvalid, "attempts"},
		{"missing outcome", "/v1/score", `{"learner_id":"a","attempts":[` + att + `,{"item_id":"x","correct_independent":true}]}`, 422, codeInvalid, "attempts[1].correct_supported"},
		{"bad seq", "/v1/score", `{"learner_id":"a","attempts":[{"item_id":"x","seq":1.5,"correct_independent":true,"correct_supported":true}]}`, 422, codeInvalid, "attempts[0].seq"},
		{"seq order", "/v1/score", `{"learner_id":"a","attempts":[{"item_id":"x","seq":5,"correct_independent":true,"correct_supported":true},{"item_id":"x","seq":5,"correct_independent":false,"correct_supported":true}]}`, 422, codeInvalid, "attempts[1].seq"},
		{"hints type", "/v1/score", `{"learner_id":"a","attempts":[{"item_id":"x","hints_used":"two","correct_independent":true,"correct_supported":true}]}`, 422, codeInvalid, "attempts[0].hints_used"},
		{"skill type", "/v1/score", `{"learner_id":"a","attempts":[{"item_id":"x","skill_ids":["s",3],"correct_independent":true,"correct_supported":true}]}`, 422, codeInvalid, "attempts[0].skill_ids[1]"},
		{"too many attempts", "/v1/score", `{"learner_id":"a","attempts":[` + strings.Repeat(att+",", 3) + att + `]}`, 422, codeInvalid, "attempts"},
		{"too many candidates", "/v1/score", `{"learner_id":"a","candidates":[{"item_id":"x"},{"item_id":"y"},{"item_id":"z"}]}`, 422, codeInvalid, "candidates"},
		{"candidate without id", "/v1/score", `{"learner_id":"a","candidates":[{"difficulty":1}]}`, 422, codeInvalid, "candidates[0].item_id"},
		{"difficulty type", "/v1/score", `{"learner_id":"a","candidates":[{"item_id":"q","difficulty":"hard"}]}`, 422, codeInvalid, "candidates[0].difficulty"},
		{"options range", "/v1/score", `{"learner_id":"a","options":{"recommendations":3}}`, 422, codeInvalid, "options.recommendations"},
		{"options negative", "/v1/score", `{"learner_id":"a","options":{"recommendations":-1}}`, 422, codeInvalid, "options.recommendations"},
		{"options removed", "/v1/score", `{"learner_id":"a","options":{"served":3}}`, 422, codeInvalid, "options.served"},
		{"body too large", "/v1/score", `{"learner_id":"` + strings.Repeat("a", 5000) + `"}`, 413, codeTooLarge, ""},
		{"batch without learners", "/v1/score/batch", `{"options":{}}`, 422, codeInvalid, "learners"},
		{"batch too many", "/v1/score/batch", `{"learners":[{"learner_id":"a"},{"learner_id":"b"},{"learner_id":"c"}]}`, 422, codeInvalid, "learners"},
		{"batch bad learner", "/v1/score/batch", `{"learners":[{"learner_id":"a"},{"attempts":[]}]}`, 422, codeInvalid, "learners[1].learner_id"},
		{"batch bad attempt", "/v1/score/batch", `{"learners":[{"learner_id":"a","attempts":[{"item_id":1}]}]}`, 422, codeInvalid, "learners[0].attempts[0].item_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(s.Handler(), http.MethodPost, tt.path, testAPIKey, []byte(tt.body))
			assertError(t, rec, tt.status, tt.code, tt.field)
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	h := s.Handler()

	req := httptest.NewRequest(http.MethodPost, "/v1/score", strings.NewReader(`{"learner_id":"a"}`))
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assertError(t, rec, http.StatusUnsupportedMediaType, codeMediaType, "")

	req.Header.Del("Content-Type")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assertError(t, rec, http.StatusUnsupportedMediaType, codeMediaType, "")

	req = httptest.NewRequest(http.MethodPost, "/v1/score", strings.NewReader(`{"learner_id":"a"}`))
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	req.Header.Set("Content-Type", "Application/JSON; charset=utf-8")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("Content-Type with parameters: %d %s", rec.Code, rec.Body)
	}

	assertError(t, call(h, http.MethodGet, "/v1/nothing", testAPIKey, nil), http.StatusNotFound, codeNotFound, "")
	assertError(t, call(h, http.MethodGet, "/v1/score", testAPIKey, nil), http.StatusMethodNotAllowed, codeMethodNotAllowed, "")
}

func TestAuth(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	body := []byte(`{"learner_id":"a"}`)
	tests := []struct {
		name, method, path, key string
		body                    []byte
		status                  int
	}{
		{"score without key", "POST", "/v1/score", "", body, 401},
		{"score wrong key", "POST", "/v1/score", "nope", body, 401},
		{"score key prefix", "POST", "/v1/score", testAPIKey[:5], body, 401},
		{"score api key", "POST", "/v1/score", testAPIKey, body, 200},
		{"score admin key", "POST", "/v1/score", testAdminKey, body, 200},
		{"model without key", "GET", "/v1/model", "", nil, 401},
		{"v2 infer without key", "POST", "/v2/models/zpd/infer", "", body, 401},
		{"v2 metadata without key", "GET", "/v2/models/zpd", "", nil, 401},
		{"reload with api key", "POST", "/admin/reload", testAPIKey, nil, 401},
		{"reload without key", "POST", "/admin/reload", "", nil, 401},
		{"reload admin key", "POST", "/admin/reload", testAdminKey, nil, 200},
		{"healthz open", "GET", "/healthz", "", nil, 200},
		{"readyz open", "GET", "/readyz", "", nil, 200},
		{"v2 live open", "GET", "/v2/health/live", "", nil, 200},
		{"v2 ready open", "GET", "/v2/health/ready", "", nil, 200},
		{"metrics open", "GET", "/metrics", "", nil, 200},
		{"openapi open", "GET", "/openapi.json", "", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(h, tt.method, tt.path, tt.key, tt.body)
			if rec.Code != tt.status {
				t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.status)
			}
			if tt.status == 401 {
				assertError(t, rec, 401, codeUnauthorized, "")
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
	req := httptest.NewRequest("GET", "/v1/model", nil)
	req.Header.Set("Authorization", "Basic "+testAPIKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("Basic scheme accepted: %d", rec.Code)
	}
}

func TestStartupRequiresKeyOrInsecure(t *testing.T) {
	f := fitted(t)
	cfg := testConfig(f.dir)
	cfg.APIKeys, cfg.AdminKeys = nil, []string{" , "}
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("no key: err = %v, want a refusal naming --insecure", err)
	}
	cfg.Insecure = true
	h := newTestServer(t, cfg).Handler()
	for _, p := range []string{"/v1/model", "/v2/models/zpd"} {
		if rec := call(h, "GET", p, "", nil); rec.Code != 200 {
			t.Errorf("insecure %s: %d", p, rec.Code)
		}
	}
	if rec := call(h, "POST", "/admin/reload", "", nil); rec.Code != 200 {
		t.Errorf("insecure reload: %d %s", rec.Code, rec.Body)
	}

	// Keys from an environment variable arrive as one comma-separated entry.
	cfg = testConfig(f.dir)
	cfg.APIKeys, cfg.AdminKeys = []string{"k1, k2"}, nil
	h = newTestServer(t, cfg).Handler()
	for _, k := range []string{"k1", "k2"} {
		if rec := call(h, "GET", "/v1/model", k, nil); rec.Code != 200 {
			t.Errorf("key %s: %d", k, rec.Code)
		}
	}
	assertError(t, call(h, "POST", "/admin/reload", "k1", nil), http.StatusForbidden, codeForbidden, "")
}

func TestConfigValidate(t *testing.T) {
	good := testConfig("m")
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no model", func(c *Config) { c.Model = "" }, "--model"},
		{"bad name", func(c *Config) { c.Name = "a/b" }, "name"},
		{"zero body", func(c *Config) { c.MaxBodyBytes = 0 }, "max_body_bytes"},
		{"zero timeout", func(c *Config) { c.WriteTimeout = 0 }, "write_timeout"},
		{"recommendations", func(c *Config) { c.Recommendations = c.MaxCandidates + 1 }, "recommendations"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "log_level"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to name %q", tt.name, err, tt.want)
		}
	}
}

func TestRejectsOtherFamilies(t *testing.T) {
	f := fitted(t)
	m, err := itemmean.Family{}.Fit(context.Background(), f.log, models.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "im")
	if err := artifact.Save(dir, m, artifact.Metadata{SchemaVersion: datasets.SchemaVersion}, ""); err != nil {
		t.Fatal(err)
	}
	_, err = New(testConfig(dir), Options{})
	if err == nil || !strings.Contains(err.Error(), `"itemmean"`) || !strings.Contains(err.Error(), "elasticity") {
		t.Errorf("itemmean artifact: err = %v, want a refusal naming both families", err)
	}
}

// altArtifact saves a variant of the fixture's model (its item_sd nudged by
// a amount set by label) and returns its version, which the parameters'
// checksum decides, so a reload has a different model to find.
func altArtifact(t testing.TB, dir, label string) string {
	t.Helper()
	f := fitted(t)
	raw, err := f.model.MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	nudge := 0.0
	for _, r := range label {
		nudge = nudge*31 + float64(r)
	}
	p["item_sd"] = p["item_sd"].(float64) * (1 + 1e-9*(1+math.Mod(nudge, 1e6)))
	if raw, err = json.Marshal(p); err != nil {
		t.Fatal(err)
	}
	m, err := elasticity.Family{}.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := artifact.Save(dir, m, f.meta, "alt\n"); err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Load(dir, catalog.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	return a.Metadata.ModelVersion
}

func metricValue(t testing.TB, h http.Handler, series string) string {
	t.Helper()
	rec := call(h, "GET", "/metrics", "", nil)
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, series+" ") {
			return strings.TrimPrefix(line, series+" ")
		}
	}
	return ""
}

func TestReload(t *testing.T) {
	f := fitted(t)
	dir := copyArtifact(t, f.dir)
	s := newTestServer(t, testConfig(dir))
	h := s.Handler()
	v0 := s.ModelVersion()

	alt1 := altArtifact(t, dir, "alt-1")
	rec := call(h, "POST", "/admin/reload", testAdminKey, nil)
	if rec.Code != 200 || s.ModelVersion() != alt1 {
		t.Fatalf("reload: %d %s, version %s", rec.Code, rec.Body, s.ModelVersion())
	}
	got := decodeJSON(t, rec.Body.Bytes())
	if got["model_version"] != alt1 || got["previous_version"] != v0 || alt1 == v0 {
		t.Errorf("reload answer %v", got)
	}
	score := decodeJSON(t, call(h, "POST", "/v1/score", testAPIKey, []byte(`{"learner_id":"a"}`)).Body.Bytes())
	if score["model_version"] != alt1 {
		t.Errorf("scored by %v after reload", score["model_version"])
	}

	// A damaged artifact is rejected; the old model keeps serving.
	if err := os.WriteFile(filepath.Join(dir, artifact.ParamsFile), []byte(`{"format":"zpd-elasticity"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	assertError(t, call(h, "POST", "/admin/reload", testAdminKey, nil), 500, codeReloadFailed, "")
	if s.ModelVersion() != alt1 {
		t.Errorf("after a failed reload the version is %s", s.ModelVersion())
	}
	if rec := call(h, "POST", "/v1/score", testAPIKey, []byte(`{"learner_id":"a"}`)); rec.Code != 200 {
		t.Errorf("scoring after a failed reload: %d", rec.Code)
	}
	if v := metricValue(t, h, `zpd_model_reloads_total{result="error"}`); v != "1" {
		t.Errorf("reload errors metric = %q, want 1", v)
	}
	if v := metricValue(t, h, `zpd_model_reloads_total{result="ok"}`); v != "1" {
		t.Errorf("reload ok metric = %q, want 1", v)
	}
	if v := metricValue(t, h, `zpd_model_info{family="elasticity",version="`+alt1+`"}`); v != "1" {
		t.Errorf("model info metric = %q", v)
	}

	// A reload by signal.
	alt2 := altArtifact(t, dir, "alt-2")
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal)
	done := make(chan struct{})
	go func() { s.ReloadOn(ctx, sigs); close(done) }()
	sigs <- os.Interrupt // any signal value; zpd serve sends SIGHUP
	sigs <- os.Interrupt // the second send waits for the first reload to finish
	cancel()
	<-done
	if s.ModelVersion() != alt2 {
		t.Errorf("after a signal the version is %s", s.ModelVersion())
	}
}

// TestReloadUnderLoad reloads repeatedly, good and bad artifacts, while
// clients score: no request may fail.
func TestReloadUnderLoad(t *testing.T) {
	f := fitted(t)
	dir := copyArtifact(t, f.dir)
	s := newTestServer(t, testConfig(dir))
	h := s.Handler()
	body := mustJSON(t, f.wireLearnerFor(1, 5, 1))
	var failed, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if rec := call(h, "POST", "/v1/score", testAPIKey, body); rec.Code != 200 {
					failed.Add(1)
				}
				done.Add(1)
			}
		})
	}
	for i := range 20 {
		if i%5 == 4 {
			os.WriteFile(filepath.Join(dir, artifact.MetadataFile), []byte("{"), 0o644)
			s.Reload(context.Background())
			continue
		}
		altArtifact(t, dir, "v"+string(rune('a'+i)))
		if err := s.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 || done.Load() == 0 {
		t.Errorf("%d of %d requests failed during reloads", failed.Load(), done.Load())
	}
}

func TestRequestID(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set(requestIDHeader, "abc-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get(requestIDHeader); got != "abc-123" {
		t.Errorf("request id %q not echoed", got)
	}
	ids := map[string]bool{}
	for _, bad := range []string{"", "has space", strings.Repeat("x", 200)} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set(requestIDHeader, bad)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		id := rec.Header().Get(requestIDHeader)
		if !validRequestID(id) || id == bad || ids[id] {
			t.Errorf("for %q got id %q", bad, id)
		}
		ids[id] = true
	}
}

// TestAccessLog checks the JSON log line of a request.
func TestAccessLog(t *testing.T) {
	f := fitted(t)
	var buf syncBuffer
	cfg := testConfig(f.dir)
	cfg.AccessLog = true
	log, err := NewLogger(cfg, &buf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/score", strings.NewReader(`{"learner_id":"a"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	req.Header.Set(requestIDHeader, "rid-1")
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	call(s.Handler(), "POST", "/v1/score", testAPIKey, []byte(`{`))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var ok, bad map[string]any
	for _, l := range lines {
		m := decodeJSON(t, []byte(l))
		if m["msg"] == "request" && m["request_id"] == "rid-1" {
			ok = m
		}
		if m["msg"] == "request" && m["status"] == float64(400) {
			bad = m
		}
	}
	if ok == nil || ok["route"] != "/v1/score" || ok["status"] != float64(200) || ok["level"] != "INFO" {
		t.Errorf("access log line %v in\n%s", ok, buf.String())
	}
	if bad == nil || bad["level"] != "WARN" || !strings.Contains(bad["error"].(string), "invalid JSON") {
		t.Errorf("error log line %v", bad)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMetrics(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	for range 3 {
		call(h, "POST", "/v1/score", testAPIKey, []byte(`{"learner_id":"a"}`))
	}
	call(h, "POST", "/v1/score", testAPIKey, []byte(`{`))
	call(h, "GET", "/nowhere", "", nil)
	for series, want := range map[string]string{
		`zpd_http_requests_total{code="200",route="/v1/score"}`:                 "3",
		`zpd_http_requests_total{code="400",route="/v1/score"}`:                 "1",
		`zpd_http_requests_total{code="404",route="unmatched"}`:                 "1",
		`zpd_http_request_duration_seconds_count{code="200",route="/v1/score"}`: "3",
		`zpd_scoring_errors_total{reason="bad_json"}`:                           "1",
		`zpd_learners_scored_total`:                                             "3",
	} {
		if got := metricValue(t, h, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
}

func TestGetModel(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	rec := call(h, "GET", "/v1/model", testAPIKey, nil)
	got := decodeJSON(t, rec.Body.Bytes())
	if got["version"] != f.meta.ModelVersion || got["family"] != "elasticity" || got["schema_version"] != datasets.SchemaVersion ||
		got["items"] != float64(len(f.model.Params().Items)) || got["metrics"].(map[string]any)["auc_ind"] != 0.7 {
		t.Errorf("GET /v1/model = %v", got)
	}
}

// TestGracefulShutdown cancels the server while a request is still
// sending its body: the request completes, readiness turns false, and
// Serve returns without error.
func TestGracefulShutdown(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url+"/v1/score", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	type result struct {
		code int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{0, err}
			return
		}
		r.Body.Close()
		res <- result{r.StatusCode, nil}
	}()
	pw.Write([]byte(`{"learner_id":`))
	time.Sleep(100 * time.Millisecond) // the request is in flight
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for s.ready() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s.ready() {
		t.Error("still ready while draining")
	}
	pw.Write([]byte(`"late"}`))
	pw.Close()
	if r := <-res; r.err != nil || r.code != 200 {
		t.Errorf("in-flight request: %+v", r)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestNullLists: attempts and candidates may be null, as many JSON
// encoders write empty lists.
func TestNullLists(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	rec := call(h, "POST", "/v1/score", testAPIKey, []byte(`{"learner_id":"a","attempts":null,"candidates":null}`))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := decodeJSON(t, rec.Body.Bytes()); got["attempts"] != float64(0) {
		t.Errorf("attempts = %v", got["attempts"])
	}
}

// TestInFlightFinishesOnOldModel starts a request, reloads a new model
// while its body is still arriving, and checks that the request is
// answered by the model it started on and the next one by the new model.
func TestInFlightFinishesOnOldModel(t *testing.T) {
	f := fitted(t)
	dir := copyArtifact(t, f.dir)
	var logs syncBuffer
	cfg := testConfig(dir)
	log, _ := NewLogger(cfg, &logs)
	s, err := New(cfg, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, ln)
	url := "http://" + ln.Addr().String() + "/v1/score"
	old := s.ModelVersion()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url, pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	got := make(chan string, 1)
	go func() {
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}()
	pw.Write([]byte(`{"learner_id":`))
	// The handler takes the model first thing, then waits for the body.
	// In flight: that request and the scrape itself.
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, s.Handler(), "zpd_http_requests_in_flight") != "2" {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the server")
		}
		time.Sleep(time.Millisecond)
	}
	newer := altArtifact(t, dir, "newer")
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte(`"x"}`))
	pw.Close()
	if body := <-got; !strings.Contains(body, `"model_version":"`+old+`"`) {
		t.Errorf("in-flight request answered %s, want the old model %s", body, old)
	}
	rec := call(s.Handler(), "POST", "/v1/score", testAPIKey, []byte(`{"learner_id":"y"}`))
	if !strings.Contains(rec.Body.String(), `"model_version":"`+newer+`"`) {
		t.Errorf("next request answered %s", rec.Body)
	}

	// A failed reload shows in the log.
	os.WriteFile(filepath.Join(dir, artifact.MetadataFile), []byte("{"), 0o644)
	if err := s.Reload(ctx); err == nil {
		t.Fatal("reload of a damaged artifact succeeded")
	}
	if !strings.Contains(logs.String(), `"msg":"model reload failed; still serving the previous model"`) ||
		!strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("no error log for the failed reload:\n%s", logs.String())
	}
}
