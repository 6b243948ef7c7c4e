package serve

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

type v2Tensor struct {
	Name     string `json:"name"`
	Shape    []int  `json:"shape"`
	Datatype string `json:"datatype"`
	Data     any    `json:"data"`
}

// v2Body builds an inference request for the fixture's learners, with
// nCand candidates each (the same ones wireLearnerFor draws).
func v2Body(t testing.TB, f *fixture, learners []int, nCand int) []byte {
	var items, cands []string
	var ind, sup []bool
	var counts, candCounts []int
	for _, u := range learners {
		wl := f.wireLearnerFor(u, nCand, 1)
		for _, a := range wl.Attempts {
			items = append(items, a.ItemID)
			ind = append(ind, a.CorrectIndependent)
			sup = append(sup, a.CorrectSupported)
		}
		for _, c := range wl.Candidates {
			cands = append(cands, c.ItemID)
		}
		counts = append(counts, len(wl.Attempts))
		candCounts = append(candCounts, len(wl.Candidates))
	}
	return mustJSON(t, map[string]any{
		"id": "req-1",
		"inputs": []v2Tensor{
			{"item_id", []int{len(items)}, "BYTES", items},
			{"correct_independent", []int{len(ind)}, "BOOL", ind},
			{"correct_supported", []int{len(sup)}, "BOOL", sup},
			{"attempt_count", []int{len(counts)}, "INT32", counts},
			{"candidate_item_id", []int{len(cands)}, "BYTES", cands},
			{"candidate_count", []int{len(candCounts)}, "INT64", candCounts},
		},
	})
}

func outputs(t testing.TB, resp map[string]any) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	for _, o := range resp["outputs"].([]any) {
		m := o.(map[string]any)
		data := m["data"].([]any)
		if shape := m["shape"].([]any); len(shape) != 1 || int(shape[0].(float64)) != len(data) {
			t.Errorf("output %v: shape %v for %d elements", m["name"], shape, len(data))
		}
		out[m["name"].(string)] = data
	}
	return out
}

// TestV2MatchesV1: the inference outputs are the /v1/score numbers of the
// same learners (sent without skill ids: v2 uses the model's item skills).
func TestV2MatchesV1(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	learners := []int{4, 9, 11}
	rec := call(s.Handler(), "POST", "/v2/models/zpd/infer", testAPIKey, v2Body(t, f, learners, 4))
	if rec.Code != http.StatusOK {
		t.Fatalf("infer: %d %s", rec.Code, rec.Body)
	}
	resp := decodeJSON(t, rec.Body.Bytes())
	if resp["model_name"] != "zpd" || resp["model_version"] != f.meta.ModelVersion || resp["id"] != "req-1" {
		t.Errorf("infer header %v", resp)
	}
	out := outputs(t, resp)
	if len(out) != len(v2Outputs) {
		t.Errorf("%d outputs, want all %d", len(out), len(v2Outputs))
	}
	for i, u := range learners {
		wl := f.wireLearnerFor(u, 4, 1)
		for k := range wl.Attempts {
			wl.Attempts[k].SkillIDs = nil
		}
		one := decodeJSON(t, call(s.Handler(), "POST", "/v1/score", testAPIKey, mustJSON(t, wl)).Body.Bytes())
		for name, path := range map[string]string{
			"ability": "ability.value", "ability_sd": "ability.sd", "elasticity": "elasticity.value",
			"elasticity_sd": "elasticity.sd", "zad_edge": "zad_edge.value", "zad_edge_sd": "zad_edge.sd",
			"point_of_difficulty": "point_of_difficulty.value", "point_of_difficulty_sd": "point_of_difficulty.sd",
			"zpd_low": "zpd.low", "zpd_high": "zpd.high", "zpd_width": "zpd_width.value",
		} {
			if g, w := out[name][i].(float64), num(t, one, path); !approx(g, w) {
				t.Errorf("learner %d: %s = %v, /v1/score %s = %v", u, name, g, path, w)
			}
		}
		for c := range 4 {
			k := 4*i + c
			p := "readiness." + strconv.Itoa(c)
			if !approx(out["candidate_p_supported"][k].(float64), num(t, one, p+".p_supported")) ||
				!approx(out["candidate_p_independent"][k].(float64), num(t, one, p+".p_independent")) ||
				!approx(out["candidate_difficulty"][k].(float64), num(t, one, p+".difficulty")) ||
				out["candidate_zone"][k] != one["readiness"].([]any)[c].(map[string]any)["zone"] {
				t.Errorf("learner %d candidate %d differs from /v1/score", u, c)
			}
		}
	}
}

func TestV2RequestedOutputsAndNesting(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	item := f.model.Params().Items[0]
	body := `{"inputs":[
		{"name":"item_id","shape":[1,2],"datatype":"BYTES","data":[["` + item + `","` + item + `"]]},
		{"name":"correct_independent","shape":[2],"datatype":"BOOL","data":[true,false]},
		{"name":"correct_supported","shape":[2],"datatype":"BOOL","data":[true,true]}],
		"outputs":[{"name":"elasticity"},{"name":"ability"}]}`
	rec := call(h, "POST", "/v2/models/zpd/infer", testAPIKey, []byte(body))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	out := outputs(t, decodeJSON(t, rec.Body.Bytes()))
	if len(out) != 2 || len(out["ability"]) != 1 || len(out["elasticity"]) != 1 {
		t.Errorf("requested two outputs for one learner, got %v", out)
	}
}

func TestV2Errors(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	ok3 := `{"name":"item_id","shape":[1],"datatype":"BYTES","data":["a"]},{"name":"correct_independent","shape":[1],"datatype":"BOOL","data":[true]},{"name":"correct_supported","shape":[1],"datatype":"BOOL","data":[true]}`
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no inputs", `{}`, 422, "inputs"},
		{"missing tensor", `{"inputs":[{"name":"item_id","shape":[1],"datatype":"BYTES","data":["a"]}]}`, 422, "inputs"},
		{"unknown tensor", `{"inputs":[` + ok3 + `,{"name":"mood","shape":[1],"datatype":"BYTES","data":["x"]}]}`, 422, "inputs[3].name"},
		{"shape mismatch", `{"inputs":[{"name":"item_id","shape":[2],"datatype":"BYTES","data":["a"]}]}`, 422, "inputs[0].shape"},
		{"datatype", `{"inputs":[{"name":"item_id","shape":[1],"datatype":"FP32","data":["a"]}]}`, 422, "inputs[0].datatype"},
		{"element type", `{"inputs":[{"name":"correct_supported","shape":[1],"datatype":"BOOL","data":[1]}]}`, 422, "inputs[0].data"},
		{"twice", `{"inputs":[` + ok3 + `,{"name":"item_id","shape":[1],"datatype":"BYTES","data":["a"]}]}`, 422, "inputs[3].name"},
		{"lengths differ", `{"inputs":[{"name":"item_id","shape":[2],"datatype":"BYTES","data":["a","b"]},{"name":"correct_independent","shape":[1],"datatype":"BOOL","data":[true]},{"name":"correct_supported","shape":[1],"datatype":"BOOL","data":[true]}]}`, 422, "inputs"},
		{"counts sum", `{"inputs":[` + ok3 + `,{"name":"attempt_count","shape":[2],"datatype":"INT32","data":[1,1]}]}`, 422, "attempt_count"},
		{"candidates need counts", `{"inputs":[` + ok3 + `,{"name":"attempt_count","shape":[2],"datatype":"INT32","data":[1,0]},{"name":"candidate_item_id","shape":[1],"datatype":"BYTES","data":["a"]}]}`, 422, "candidate_count"},
		{"unknown candidate", `{"inputs":[` + ok3 + `,{"name":"candidate_item_id","shape":[1],"datatype":"BYTES","data":["zzz"]}]}`, 422, "candidate_item_id[0]"},
		{"unknown output", `{"inputs":[` + ok3 + `],"outputs":[{"name":"iq"}]}`, 422, "outputs[0].name"},
		{"bad json", `{"inputs":[`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(h, "POST", "/v2/models/zpd/infer", testAPIKey, []byte(tt.body))
			code := codeInvalid
			if tt.status == 400 {
				code = codeBadJSON
			}
			if !strings.Contains(rec.Body.String(), `"error":`) {
				t.Errorf("v2 error without the KServe error member: %s", rec.Body)
			}
			assertError(t, rec, tt.status, code, tt.field)
		})
	}
	rec := call(h, "POST", "/v2/models/other/infer", testAPIKey, []byte(`{}`))
	assertError(t, rec, 404, codeNotFound, "name")
}
