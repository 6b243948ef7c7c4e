package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The fuzz targets send arbitrary bodies through the whole handler chain
// and require an answer that is documented: a status the route lists, a
// JSON body matching the route's schema in serve/openapi.json, and never
// a 500 (the recovery middleware would turn a panic into one). Seeds live
// in serve/testdata/fuzz; ZPD_WRITE_FUZZ_SEEDS=1 go test -run
// TestWriteFuzzSeeds ./serve rewrites them. Every target also takes the
// hostile bodies of serve/testdata/hostile as seeds (issue 16), so plain
// go test runs each of them through every route and the lexer.

var (
	fuzzOnce   sync.Once
	fuzzServer *Server
	fuzzSpec   *spec
)

// fuzzTarget returns a server with small limits, so the fuzzer reaches
// them, and the spec.
func fuzzTarget(t testing.TB) (*Server, *spec) {
	fuzzOnce.Do(func() {
		f := fitted(t)
		cfg := testConfig(f.dir)
		cfg.MaxBodyBytes, cfg.MaxBatchBodyBytes = 64<<10, 64<<10
		cfg.MaxAttempts, cfg.MaxCandidates, cfg.MaxBatchLearners = 40, 20, 8
		cfg.Recommendations = 3
		fuzzServer = newTestServer(t, cfg)
		fuzzSpec = loadSpec(t)
	})
	return fuzzServer, fuzzSpec
}

func checkFuzzAnswer(t *testing.T, method, path, template string, body []byte) {
	s, sp := fuzzTarget(t)
	rec := call(s.Handler(), method, path, testAPIKey, body)
	if rec.Code == http.StatusInternalServerError {
		t.Fatalf("500 for %q: %s", body, rec.Body)
	}
	sp.checkResponse(t, method, template, rec)
}

func FuzzScore(f *testing.F) {
	for _, s := range append(scoreSeeds(f), hostileBodies(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFuzzAnswer(t, "POST", "/v1/score", "/v1/score", body)
	})
}

func FuzzBatch(f *testing.F) {
	for _, s := range append(batchSeeds(f), hostileBodies(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFuzzAnswer(t, "POST", "/v1/score/batch", "/v1/score/batch", body)
	})
}

func FuzzInfer(f *testing.F) {
	for _, s := range append(inferSeeds(f), hostileBodies(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFuzzAnswer(t, "POST", "/v2/models/zpd/infer", "/v2/models/{name}/infer", body)
	})
}

// FuzzLexer holds the hand-written lexer to encoding/json: it accepts
// exactly the valid JSON documents (except strings that are not UTF-8 and
// nesting deeper than maxDepth, which it rejects on purpose), and decodes
// strings to the same text.
func FuzzLexer(f *testing.F) {
	for _, s := range append(lexerSeeds(), hostileBodies(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var lx lexer
		lx.reset(data)
		err := lx.skip()
		if err == nil {
			err = lx.end()
		}
		valid := json.Valid(data)
		switch {
		case err == nil && !valid:
			t.Fatalf("lexer accepts invalid JSON %q", data)
		case err != nil && valid && utf8.Valid(data) && !tooDeep(data):
			t.Fatalf("lexer rejects valid JSON %q: %v", data, err)
		}
		var want string
		if lead := strings.TrimSpace(string(data)); strings.HasPrefix(lead, `"`) && json.Unmarshal(data, &want) == nil && utf8.Valid(data) {
			lx.reset(data)
			got, err := lx.str()
			if err != nil || string(got) != want {
				t.Fatalf("string %q: lexer %q (%v), encoding/json %q", data, got, err, want)
			}
		}
	})
}

// tooDeep reports nesting beyond maxDepth (counting brackets outside
// strings roughly: it only excuses rejections).
func tooDeep(data []byte) bool {
	depth, inStr, esc := 0, false, false
	for _, c := range data {
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '[' || c == '{'):
			if depth++; depth > maxDepth {
				return true
			}
		case !inStr && (c == ']' || c == '}'):
			depth--
		}
	}
	return false
}

// hostileDir holds request bodies built to break a JSON decoder: nesting
// far past maxDepth, numbers past every range, invalid UTF-8 and lone
// surrogates, NUL bytes, duplicate keys, wrong types, trailing data.
const hostileDir = "testdata/hostile"

// hostileBodies returns the files of hostileDir.
func hostileBodies(t testing.TB) [][]byte {
	paths, err := filepath.Glob(filepath.Join(hostileDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile bodies in %s (%v)", hostileDir, err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func scoreSeeds(t testing.TB) [][]byte {
	f := fitted(t)
	wl := f.wireLearnerFor(1, 3, 1)
	wl.Attempts = wl.Attempts[:4]
	wl.Options = map[string]int{"recommendations": 2}
	diff := -0.5
	wl.Candidates = append(wl.Candidates, wireCandidate{ItemID: "new", Difficulty: &diff})
	return [][]byte{
		mustJSON(t, wl),
		[]byte(`{"learner_id":"a"}`),
		[]byte(`{"learner_id":"a","attempts":[{"item_id":"x","seq":1,"correct_independent":false,"correct_supported":true},{"item_id":"x","seq":1,"correct_independent":true,"correct_supported":true}]}`),
		[]byte(`{"learner_id":"\u00e9\ud83d\ude00","attempts":null,"candidates":[{"item_id":"q","skill_ids":null,"difficulty":1e308}],"options":null}`),
		[]byte(`{"learner_id":"a","candidates":[{"item_id":"zz"}]}`),
		[]byte(`{"learner_id":"a","attempts":[{"item_id":"x","correct_independent":true,"correct_supported":true,"hints_used":-1,"response_ms":1.5e3,"timestamp":null}]}`),
		[]byte(`[[[[[[[[[[]]]]]]]]]]`),
		[]byte(`{"learner_id":1e999}`),
		[]byte(`{"learner_id":"a","options":{"recommendations":9007199254740993}}`),
		[]byte(`{"learner_id":"a","options":{"served":1,"policy":"zpdes"}}`),
	}
}

func batchSeeds(t testing.TB) [][]byte {
	f := fitted(t)
	var ls []wireLearner
	for u := range 3 {
		wl := f.wireLearnerFor(u, 2, 1)
		wl.Attempts = wl.Attempts[:3]
		ls = append(ls, wl)
	}
	return [][]byte{
		mustJSON(t, map[string]any{"learners": ls, "options": map[string]int{"recommendations": 1}}),
		[]byte(`{"learners":[]}`),
		[]byte(`{"learners":[{"learner_id":"a"},{"learner_id":"b","candidates":[{"item_id":"nope"}]}]}`),
		[]byte(`{"learners":{}}`),
	}
}

func inferSeeds(t testing.TB) [][]byte {
	f := fitted(t)
	item := f.model.Params().Items[0]
	return [][]byte{
		v2Body(t, f, []int{0, 1}, 2),
		[]byte(`{"inputs":[{"name":"item_id","shape":[1],"datatype":"BYTES","data":["` + item + `"]},{"name":"correct_independent","shape":[1],"datatype":"BOOL","data":[true]},{"name":"correct_supported","shape":[1],"datatype":"BOOL","data":[true]}],"outputs":[{"name":"ability"}]}`),
		[]byte(`{"inputs":[{"name":"item_id","shape":[1,1],"datatype":"BYTES","data":[["a"]]},{"name":"attempt_count","shape":[2],"datatype":"INT64","data":[1,0]}]}`),
		[]byte(`{"id":"x","inputs":[]}`),
	}
}

func lexerSeeds() [][]byte {
	var out [][]byte
	for _, s := range []string{
		`{}`, `[]`, `"plain"`, `"esc\"\\\/\b\f\n\r\t"`, `"\u00e9\ud83d\ude00\ud800x"`, `-0.5e+10`, `0`, `-`, `01`, `1.`,
		`[1,true,false,null,"s",{"k":[]}]`, `{"a":1,}`, `[1 2]`, `"\x01"`, `  {"a" : [ 1 , 2 ] }  `, `tru`, `nul`, `"abcdefghijklmnopqrstuvwxyz"`,
	} {
		out = append(out, []byte(s))
	}
	return out
}

// TestWriteFuzzSeeds writes the seeds above as committed corpus files.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("ZPD_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set ZPD_WRITE_FUZZ_SEEDS=1 to rewrite serve/testdata/fuzz")
	}
	for name, seeds := range map[string][][]byte{
		"FuzzScore": scoreSeeds(t), "FuzzBatch": batchSeeds(t), "FuzzInfer": inferSeeds(t), "FuzzLexer": lexerSeeds(),
	} {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(s)))
			if err := os.WriteFile(filepath.Join(dir, "seed-"+strconv.Itoa(i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
