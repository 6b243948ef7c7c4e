package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zpd-project/zpd/models/artifact"
)

// The responses are checked against serve/openapi.json by a hand-written
// validator of the JSON Schema subset the spec uses ($ref, type, nullable,
// enum, required, properties, additionalProperties, items, minItems,
// maxItems, minimum, maximum, format date-time), so the check needs no
// extra module. Response schemas forbid undocumented members.

type spec struct {
	doc map[string]any
}

func loadSpec(t testing.TB) *spec {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	return &spec{doc: doc}
}

// resolve follows a local $ref ("#/components/...").
func (s *spec) resolve(node map[string]any) (map[string]any, error) {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node, nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("non-local $ref %q", ref)
		}
		var cur any = s.doc
		for _, part := range strings.Split(ref[2:], "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("$ref %q: %s is not an object", ref, part)
			}
			if cur, ok = m[part]; !ok {
				return nil, fmt.Errorf("$ref %q: no %s", ref, part)
			}
		}
		if node, ok = cur.(map[string]any); !ok {
			return nil, fmt.Errorf("$ref %q is not an object", ref)
		}
	}
}

// validate checks v against schema and returns every violation.
func (s *spec) validate(schema map[string]any, v any, path string) []string {
	schema, err := s.resolve(schema)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	if v == nil {
		if schema["nullable"] == true || len(schema) == 0 {
			return nil
		}
		return []string{path + ": null where the spec does not allow it"}
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			bad("%v not in enum %v", v, enum)
		}
	}
	switch typ, _ := schema["type"].(string); typ {
	case "":
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			return errs
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asList(schema["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				bad("missing required %q", r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, s.validate(p, obj[k], path+"."+k)...)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("undocumented member %q", k)
				}
			case map[string]any:
				errs = append(errs, s.validate(ap, obj[k], path+"."+k)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			return errs
		}
		if n, ok := schema["minItems"].(float64); ok && float64(len(arr)) < n {
			bad("%d items, want ≥ %v", len(arr), n)
		}
		if n, ok := schema["maxItems"].(float64); ok && float64(len(arr)) > n {
			bad("%d items, want ≤ %v", len(arr), n)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range arr {
				errs = append(errs, s.validate(items, e, path+"["+strconv.Itoa(i)+"]")...)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
		} else if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				bad("not a date-time: %v", err)
			}
		}
	case "number", "integer":
		f, ok := v.(float64)
		if !ok {
			bad("want a number, got %T", v)
			return errs
		}
		if typ == "integer" && f != float64(int64(f)) {
			bad("%v is not an integer", f)
		}
		if m, ok := schema["minimum"].(float64); ok && f < m {
			bad("%v < minimum %v", f, m)
		}
		if m, ok := schema["maximum"].(float64); ok && f > m {
			bad("%v > maximum %v", f, m)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	default:
		bad("validator does not know type %q", typ)
	}
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// operation finds the spec's operation for an OpenAPI path template.
func (s *spec) operation(t testing.TB, method, template string) map[string]any {
	t.Helper()
	paths := s.doc["paths"].(map[string]any)
	item, ok := paths[template].(map[string]any)
	if !ok {
		t.Fatalf("spec has no path %s", template)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("spec has no %s %s", method, template)
	}
	return op
}

// checkResponse validates a recorded response against the spec.
func (s *spec) checkResponse(t testing.TB, method, template string, rec *httptest.ResponseRecorder) {
	t.Helper()
	op := s.operation(t, method, template)
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(rec.Code)].(map[string]any)
	if !ok {
		t.Errorf("%s %s: status %d is not documented (%s)", method, template, rec.Code, rec.Body)
		return
	}
	resp, err := s.resolve(resp)
	if err != nil {
		t.Fatal(err)
	}
	content := resp["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return // not JSON (metrics)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, template, ct)
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Errorf("%s %s: body is not JSON: %v", method, template, err)
		return
	}
	for _, e := range s.validate(media["schema"].(map[string]any), body, "body") {
		t.Errorf("%s %s %d: %s", method, template, rec.Code, e)
	}
}

// checkRequest validates a request body the tests send against the spec,
// so the documented request shapes are the ones that work.
func (s *spec) checkRequest(t testing.TB, method, template string, body []byte) {
	t.Helper()
	op := s.operation(t, method, template)
	schema := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, e := range s.validate(schema, v, "request") {
		t.Errorf("%s %s request: %s", method, template, e)
	}
}

func TestResponsesMatchOpenAPI(t *testing.T) {
	f := fitted(t)
	sp := loadSpec(t)
	dir := copyArtifact(t, f.dir)
	s := newTestServer(t, testConfig(dir))
	h := s.Handler()

	wl := f.wireLearnerFor(2, 10, 1)
	diff := 0.5
	wl.Candidates = append(wl.Candidates, wireCandidate{ItemID: "new", Difficulty: &diff},
		wireCandidate{ItemID: "new2", SkillIDs: f.model.Params().Skills[:1]})
	wl.Options = map[string]int{"recommendations": 4}
	single := mustJSON(t, wl)
	batch := mustJSON(t, map[string]any{"learners": []wireLearner{wl, f.wireLearnerFor(3, 0, 1)}})
	sp.checkRequest(t, "POST", "/v1/score", single)
	sp.checkRequest(t, "POST", "/v1/score/batch", batch)
	infer := v2Body(t, f, []int{2, 3}, 3)
	sp.checkRequest(t, "POST", "/v2/models/{name}/infer", infer)

	cases := []struct {
		method, path, template, key string
		body                        []byte
		status                      int
	}{
		{"POST", "/v1/score", "/v1/score", testAPIKey, single, 200},
		{"POST", "/v1/score", "/v1/score", testAPIKey, []byte(`{"learner_id":"x","attempts":[{"item_id":"a"}]}`), 422},
		{"POST", "/v1/score", "/v1/score", testAPIKey, []byte(`{`), 400},
		{"POST", "/v1/score", "/v1/score", "", single, 401},
		{"POST", "/v1/score/batch", "/v1/score/batch", testAPIKey, batch, 200},
		{"GET", "/v1/model", "/v1/model", testAPIKey, nil, 200},
		{"POST", "/admin/reload", "/admin/reload", testAdminKey, nil, 200},
		{"GET", "/healthz", "/healthz", "", nil, 200},
		{"GET", "/readyz", "/readyz", "", nil, 200},
		{"GET", "/v2", "/v2", "", nil, 200},
		{"GET", "/v2/health/live", "/v2/health/live", "", nil, 200},
		{"GET", "/v2/health/ready", "/v2/health/ready", "", nil, 200},
		{"GET", "/v2/models/zpd/ready", "/v2/models/{name}/ready", "", nil, 200},
		{"GET", "/v2/models/zpd", "/v2/models/{name}", testAPIKey, nil, 200},
		{"GET", "/v2/models/other", "/v2/models/{name}", testAPIKey, nil, 404},
		{"POST", "/v2/models/zpd/infer", "/v2/models/{name}/infer", testAPIKey, infer, 200},
		{"POST", "/v2/models/zpd/infer", "/v2/models/{name}/infer", testAPIKey, []byte(`{"inputs":[]}`), 422},
		{"GET", "/openapi.json", "/openapi.json", "", nil, 200},
		{"GET", "/metrics", "/metrics", "", nil, 200},
	}
	for _, c := range cases {
		rec := call(h, c.method, c.path, c.key, c.body)
		if rec.Code != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, rec.Code, c.status, rec.Body)
			continue
		}
		sp.checkResponse(t, c.method, c.template, rec)
	}

	os.WriteFile(filepath.Join(dir, artifact.MetadataFile), []byte("{}"), 0o644)
	rec := call(h, "POST", "/admin/reload", testAdminKey, nil)
	sp.checkResponse(t, "POST", "/admin/reload", rec)
	s.draining.Store(true)
	rec = call(h, "GET", "/readyz", "", nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("draining: /readyz %d", rec.Code)
	}
	sp.checkResponse(t, "GET", "/readyz", rec)
}

// TestRoutesDocumented: every route is in the spec and every spec path is
// a route.
func TestRoutesDocumented(t *testing.T) {
	f := fitted(t)
	sp := loadSpec(t)
	s := newTestServer(t, testConfig(f.dir))
	param := regexp.MustCompile(`:(\w+)`)
	routes := map[string]bool{}
	for _, r := range s.engine.Routes() {
		tmpl := param.ReplaceAllString(r.Path, "{$1}")
		routes[r.Method+" "+tmpl] = true
		sp.operation(t, r.Method, tmpl)
	}
	for p, item := range sp.doc["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			if !routes[strings.ToUpper(m)+" "+p] {
				t.Errorf("spec documents %s %s, which is not a route", m, p)
			}
		}
	}
}

// TestValidatorCatches makes sure the validator is not vacuous.
func TestValidatorCatches(t *testing.T) {
	sp := loadSpec(t)
	schema := map[string]any{"$ref": "#/components/schemas/ScoreResponse"}
	for name, body := range map[string]string{
		"missing member": `{"learner_id":"a"}`,
		"extra member":   `{"learner_id":"a","model_version":"v","attempts":0,"ability":{"value":1,"sd":1},"elasticity":{"value":1,"sd":1},"cov":[[1,0],[0,1]],"zad_edge":{"value":1,"sd":1},"point_of_difficulty":{"value":1,"sd":1},"zpd":{"low":0,"high":1},"zpd_width":{"value":1,"sd":1},"readiness":[],"recommendations":[],"surprise":1}`,
		"bad zone":       `{"learner_id":"a","model_version":"v","attempts":0,"ability":{"value":1,"sd":1},"elasticity":{"value":1,"sd":1},"cov":[[1,0],[0,1]],"zad_edge":{"value":1,"sd":1},"point_of_difficulty":{"value":1,"sd":1},"zpd":{"low":0,"high":1},"zpd_width":{"value":1,"sd":1},"readiness":[{"item_id":"i","source":"model","difficulty":1,"p_independent":1,"p_supported":1,"zone":"nowhere"}],"recommendations":[]}`,
		"wrong type":     `{"learner_id":"a","model_version":"v","attempts":"0","ability":{"value":1,"sd":1},"elasticity":{"value":1,"sd":1},"cov":[[1,0],[0,1]],"zad_edge":{"value":1,"sd":1},"point_of_difficulty":{"value":1,"sd":1},"zpd":{"low":0,"high":1},"zpd_width":{"value":1,"sd":1},"readiness":[],"recommendations":[]}`,
	} {
		var v any
		json.Unmarshal([]byte(body), &v)
		if errs := sp.validate(schema, v, "body"); len(errs) == 0 {
			t.Errorf("%s: validator accepted %s", name, body)
		}
	}
}
