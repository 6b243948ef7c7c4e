package serve

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zpd-project/zpd/pathway"
)

// Config is the serve section of zpd's configuration. The json tags are the
// keys in configs/serve.yaml and, upper-cased, the ZPD_SERVE_* environment
// variables (docs/serve.md lists them).
type Config struct {
	// Model is the artifact directory to serve; reloads read it again.
	Model string `json:"model"`
	// Name is the model's name in the KServe v2 routes (/v2/models/{name}).
	Name string `json:"name"`
	// Addr is the listen address, host:port.
	Addr string `json:"addr"`
	// Store keeps learners' attempts for the /v1/learners routes:
	// sqlite:PATH or postgres://...; empty serves statelessly (those
	// routes answer 404).
	Store string `json:"store"`
	// LearnerCacheBytes bounds the memory of the learner histories the
	// store keeps between posts, least recently posted dropped first; a
	// post for a learner held reads one row instead of every attempt
	// (docs/serve.md, Stateful pathways). 0 keeps none.
	LearnerCacheBytes int64 `json:"learner_cache_bytes"`

	// APIKeys are the bearer tokens accepted on the scoring routes, and
	// AdminKeys those accepted on /admin routes (admin keys also score).
	// An entry may hold several keys separated by commas, as an
	// environment variable does.
	APIKeys   []string `json:"api_keys"`
	AdminKeys []string `json:"admin_keys"`
	// Insecure allows serving with no API key: every route, admin included,
	// is then open. Without keys and without Insecure the server refuses to
	// start.
	Insecure bool `json:"insecure"`

	// MaxBodyBytes caps a request body on the single-learner routes, and
	// MaxBatchBodyBytes on /v1/score/batch and /v2 inference.
	MaxBodyBytes      int64 `json:"max_body_bytes"`
	MaxBatchBodyBytes int64 `json:"max_batch_body_bytes"`
	// MaxBatchBytesInFlight bounds the bodies of the batch routes being
	// read and scored at once, in bytes (a body without Content-Length
	// counts as MaxBatchBodyBytes); a batch's memory peaks near three
	// times its body (docs/serve.md, Memory). A batch that does not fit
	// waits up to BatchQueueTimeout, in a queue of at most as many bytes;
	// beyond either it gets 503 with Retry-After.
	MaxBatchBytesInFlight int64         `json:"max_batch_bytes_in_flight"`
	BatchQueueTimeout     time.Duration `json:"batch_queue_timeout"`
	// MaxAttempts caps the attempts sent for one learner, and those stored
	// for one by the /v1/learners routes; MaxCandidates the
	// candidate items, MaxBatchLearners the learners in one batch.
	MaxAttempts      int `json:"max_attempts"`
	MaxCandidates    int `json:"max_candidates"`
	MaxBatchLearners int `json:"max_batch_learners"`

	ReadTimeout       time.Duration `json:"read_timeout"`
	ReadHeaderTimeout time.Duration `json:"read_header_timeout"`
	WriteTimeout      time.Duration `json:"write_timeout"`
	IdleTimeout       time.Duration `json:"idle_timeout"`
	// ShutdownTimeout bounds how long a graceful shutdown waits for
	// in-flight requests.
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`

	// Recommendations is how many next items /v1/score recommends when the
	// request does not say, and Policy the pathway policy it recommends
	// with when the request names none (docs/pathways.md).
	Recommendations int    `json:"recommendations"`
	Policy          string `json:"policy"`

	// TrustedProxies are the addresses or CIDR ranges of the proxies (load
	// balancers) whose X-Forwarded-For and X-Real-IP headers name the
	// client in the access log. None by default: the peer's address is
	// logged, and a client cannot forge it with a header.
	TrustedProxies []string `json:"trusted_proxies"`

	// AccessLog logs every request (one JSON line); errors are logged
	// either way.
	AccessLog bool `json:"access_log"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`
}

// DefaultConfig returns the documented defaults (configs/serve.yaml).
func DefaultConfig() Config {
	return Config{
		Name:              "zpd",
		Addr:              "127.0.0.1:8080",
		LearnerCacheBytes: 64 << 20,
		MaxBodyBytes:      1 << 20,
		MaxBatchBodyBytes: 64 << 20,
		// Two maximum-size batches: see docs/serve.md, Memory.
		MaxBatchBytesInFlight: 128 << 20,
		BatchQueueTimeout:     10 * time.Second,
		MaxAttempts:           2000,
		MaxCandidates:         1000,
		MaxBatchLearners:      10000,
		ReadTimeout:           30 * time.Second,
		ReadHeaderTimeout:     5 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		ShutdownTimeout:       20 * time.Second,
		Recommendations:       5,
		Policy:                pathway.ZPDPoDName,
		AccessLog:             true,
		LogLevel:              "info",
	}
}

// Validate reports every setting outside its domain, and a server with no
// API key that was not explicitly made insecure.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Model == "" {
		bad("serve: no model directory (--model)")
	}
	if c.Name == "" || strings.ContainsAny(c.Name, "/?#% ") {
		bad("serve: name %q must be non-empty and usable in a URL path", c.Name)
	}
	if len(splitKeys(c.APIKeys)) == 0 && len(splitKeys(c.AdminKeys)) == 0 && !c.Insecure {
		bad("serve: no API key configured (api_keys or ZPD_SERVE_API_KEYS); pass --insecure to serve without authentication")
	}
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"max_body_bytes", c.MaxBodyBytes}, {"max_batch_body_bytes", c.MaxBatchBodyBytes},
		{"max_attempts", int64(c.MaxAttempts)}, {"max_candidates", int64(c.MaxCandidates)},
		{"max_batch_learners", int64(c.MaxBatchLearners)},
	} {
		if l.v < 1 {
			bad("serve: %s = %d, want ≥ 1", l.name, l.v)
		}
	}
	if c.LearnerCacheBytes < 0 {
		bad("serve: learner_cache_bytes = %d, want ≥ 0", c.LearnerCacheBytes)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read_timeout", c.ReadTimeout}, {"read_header_timeout", c.ReadHeaderTimeout},
		{"write_timeout", c.WriteTimeout}, {"idle_timeout", c.IdleTimeout}, {"shutdown_timeout", c.ShutdownTimeout},
		{"batch_queue_timeout", c.BatchQueueTimeout},
	} {
		if d.v <= 0 {
			bad("serve: %s = %v, want > 0", d.name, d.v)
		}
	}
	if c.BatchQueueTimeout >= c.ReadTimeout {
		// The read timeout runs from the connection's first byte, so a
		// batch queued that long could no longer read its body.
		bad("serve: batch_queue_timeout = %v, want less than read_timeout (%v)", c.BatchQueueTimeout, c.ReadTimeout)
	}
	if c.MaxBatchBytesInFlight < c.MaxBatchBodyBytes {
		bad("serve: max_batch_bytes_in_flight = %d, want ≥ max_batch_body_bytes (%d), or no maximum-size batch could run", c.MaxBatchBytesInFlight, c.MaxBatchBodyBytes)
	}
	if c.Recommendations < 0 || c.Recommendations > c.MaxCandidates {
		bad("serve: recommendations = %d, want 0..max_candidates (%d)", c.Recommendations, c.MaxCandidates)
	}
	if !slices.Contains(pathway.Names(), c.Policy) {
		bad("serve: policy = %q, want one of %s", c.Policy, strings.Join(pathway.Names(), ", "))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("serve: %v", err)
	}
	return errors.Join(errs...)
}

// splitKeys flattens comma-separated entries and drops blanks.
func splitKeys(entries []string) []string {
	var keys []string
	for _, e := range entries {
		for k := range strings.SplitSeq(e, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}
