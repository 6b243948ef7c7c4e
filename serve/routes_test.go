package serve

import (
	"encoding/json"
	"net/http"
	"testing"
)

// A path with a trailing slash gets a JSON 404, not gin's empty 307
// redirect: a client re-sending a POST body on redirect is not to be
// relied on (issue 16 item 12).
func TestNoRedirects(t *testing.T) {
	f := fitted(t)
	h := newTestServer(t, testConfig(f.dir)).Handler()
	for _, path := range []string{"/v1/score/", "/v1/score/batch/", "/admin/reload/", "/v2/models/zpd/infer/", "/healthz/"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			rec := call(h, method, path, testAPIKey, []byte("{}"))
			var body struct{ Code string }
			if rec.Code/100 == 3 || rec.Header().Get("Location") != "" || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code == "" {
				t.Errorf("%s %s: %d %q (Location %q), want a JSON error", method, path, rec.Code, rec.Body.String(), rec.Header().Get("Location"))
			}
		}
	}
}
