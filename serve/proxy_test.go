package serve

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The access log's client address comes from X-Forwarded-For / X-Real-IP
// only when the peer is a configured trusted proxy (issue 16 item 5).
func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	f := fitted(t)
	for _, tt := range []struct {
		name    string
		trusted []string
		want    string
	}{
		{"none by default", nil, "192.0.2.7"},
		{"a load balancer's range", []string{"192.0.2.0/24"}, "203.0.113.9"},
		{"another range", []string{"10.0.0.0/8"}, "192.0.2.7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := testConfig(f.dir)
			cfg.AccessLog = true
			cfg.TrustedProxies = tt.trusted
			s, err := New(cfg, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"X-Forwarded-For", "X-Real-IP"} {
				logs.Reset()
				req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
				req.RemoteAddr = "192.0.2.7:4711"
				req.Header.Set(h, "203.0.113.9")
				s.Handler().ServeHTTP(httptest.NewRecorder(), req)
				if !strings.Contains(logs.String(), `"remote":"`+tt.want+`"`) {
					t.Errorf("%s: access log %q, want remote %s", h, logs.String(), tt.want)
				}
			}
		})
	}
	cfg := testConfig(f.dir)
	cfg.TrustedProxies = []string{"not-an-address"}
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
		t.Errorf("New with a bad trusted_proxies entry: %v", err)
	}
}
