// Package serve is zpd's scoring server: a Gin HTTP server that scores
// learners against an elasticity model artifact and recommends their next
// items (POST /v1/score, /v1/score/batch), describes the model (GET
// /v1/model), speaks the KServe Open Inference Protocol v2 (/v2/...), and
// exposes health, readiness, Prometheus metrics and its OpenAPI spec.
//
// The model is held in an atomic pointer: Reload (SIGHUP, POST
// /admin/reload) loads and checks a new artifact off the request path and
// swaps it in; requests in flight finish on the model they started with,
// and a bad artifact leaves the old model serving. docs/serve.md describes
// the API, configuration and operation.
package serve

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zpd-project/zpd/pathway"
	"github.com/zpd-project/zpd/store"
)

// OpenAPI is the server's OpenAPI 3 specification, served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Options are what the caller provides beyond the config.
type Options struct {
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// BuildVersion is reported by GET /v2.
	BuildVersion string
	// Store, when not nil, is the learner store, used instead of opening
	// Config.Store; the caller closes it.
	Store store.LearnerStore
}

// Server scores learners over HTTP. Create it with New; it is safe for
// concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	build    string
	model    atomic.Pointer[loaded]
	draining atomic.Bool
	reloadMu sync.Mutex
	metrics  *metrics
	ids      *requestIDs
	engine   *gin.Engine
	defaults options
	scratch  sync.Pool // *scratch of single-learner requests
	bulk     sync.Pool // *scratch of batch and v2 requests, kept apart so single requests stay small
	chunks   sync.Pool // *[]byte: batch output per chunk of learners
	batches  *batchGate
	learners learnerStore
}

// New checks cfg, loads the model in cfg.Model and builds the routes. It
// fails when the model cannot be served or when no API key is configured
// without cfg.Insecure.
func New(cfg Config, opts Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      opts.Logger,
		build:    opts.BuildVersion,
		metrics:  newMetrics(),
		ids:      newRequestIDs(),
		batches:  newBatchGate(cfg),
		defaults: options{Recommendations: cfg.Recommendations, Policy: slices.Index(pathway.Names(), cfg.Policy)},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	l, err := loadModel(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.model.Store(l)
	s.metrics.setModel(l)
	if err := s.openStore(opts.Store); err != nil {
		return nil, err
	}
	if s.engine, err = s.routes(); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.Insecure && len(newKeyring(cfg.APIKeys, cfg.AdminKeys)) == 0 {
		s.log.Warn("serving WITHOUT authentication (--insecure): every route, /admin included, is open")
	}
	return s, nil
}

// Handler returns the server's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.engine }

// Run listens on cfg.Addr and serves until ctx is cancelled, then shuts
// down gracefully: readiness turns false, and in-flight requests get up to
// cfg.ShutdownTimeout to finish.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled, like Run.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.engine,
		ReadTimeout:       s.cfg.ReadTimeout,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	l := s.model.Load()
	s.log.Info("serving", "addr", ln.Addr().String(), "model", l.meta.ModelVersion, "model_dir", l.dir,
		"gomaxprocs", runtime.GOMAXPROCS(0))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// Reload loads the artifact in cfg.Model again and, if it can be served,
// swaps it in atomically. On failure the current model keeps serving; the
// error is logged, counted in zpd_model_reloads_total{result="error"} and
// returned. Reloads run one at a time.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	l, err := loadModel(s.cfg.Model)
	if err != nil {
		s.metrics.reloads.WithLabelValues("error").Inc()
		s.log.Error("model reload failed; still serving the previous model",
			"error", err.Error(), "model", s.model.Load().meta.ModelVersion)
		return err
	}
	old := s.model.Swap(l)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.metrics.setModel(l)
	s.log.Info("model reloaded", "model", l.meta.ModelVersion, "previous", old.meta.ModelVersion,
		"duration_ms", float64(time.Since(start).Microseconds())/1000)
	return nil
}

// ReloadOn calls Reload for every value received on signals (SIGHUP in
// zpd serve) until ctx is cancelled. Failures are logged by Reload.
func (s *Server) ReloadOn(ctx context.Context, signals <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-signals:
			s.log.Info("reload requested", "signal", sig.String())
			s.Reload(ctx)
		}
	}
}

// ModelVersion returns the version of the model being served.
func (s *Server) ModelVersion() string { return s.model.Load().meta.ModelVersion }

func parseLevel(name string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(name)); err != nil {
		return 0, fmt.Errorf("log_level %q: want debug, info, warn or error", name)
	}
	return l, nil
}

// NewLogger returns a JSON slog logger at cfg.LogLevel writing to w.
func NewLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})), nil
}

func (s *Server) routes() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// nil trusts no proxy: ClientIP is the peer unless one is configured.
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("serve: trusted_proxies: %w", err)
	}
	e.HandleMethodNotAllowed = true
	// No redirects: a trailing slash gets a JSON 404 rather than an empty
	// 301/307 that a client may or may not follow with its POST body.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	e.Use(s.observe, gin.CustomRecoveryWithWriter(discard{}, s.recovery))
	e.NoRoute(func(c *gin.Context) {
		abortWith(c, &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "no route " + c.Request.Method + " " + c.Request.URL.Path})
	})
	e.NoMethod(func(c *gin.Context) {
		abortWith(c, &apiError{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed, Message: "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path})
	})

	open := s.cfg.Insecure
	scoring := s.auth(newKeyring(s.cfg.APIKeys, s.cfg.AdminKeys), open, "API")
	admin := s.auth(newKeyring(s.cfg.AdminKeys), open, "admin")

	e.GET("/healthz", s.handleLive)
	e.GET("/readyz", s.handleReady)
	e.GET("/metrics", gin.WrapH(s.metrics.handler()))
	e.GET("/openapi.json", func(c *gin.Context) { writeJSON(c, http.StatusOK, OpenAPI) })

	v1 := e.Group("/v1", scoring)
	v1.POST("/score", s.handleScore)
	v1.POST("/score/batch", s.admitBatch, s.handleBatch)
	v1.GET("/model", s.handleModel)

	e.GET("/v2/health/live", s.handleLive)
	e.GET("/v2/health/ready", s.handleReady)
	e.GET("/v2/models/:name/ready", s.handleV2ModelReady)
	e.GET("/v2", s.handleV2Server)
	v2 := e.Group("/v2/models", scoring)
	v2.GET("/:name", s.handleV2Model)
	v2.POST("/:name/infer", s.admitBatch, s.handleV2Infer)

	s.learnerRoutes(v1)

	e.POST("/admin/reload", admin, s.handleReload)
	return e, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (s *Server) handleLive(c *gin.Context) {
	writeJSON(c, http.StatusOK, []byte(`{"status":"ok"}`+"\n"))
}

// ready reports whether the server should get traffic: a model is loaded
// and it is not shutting down.
func (s *Server) ready() bool { return s.model.Load() != nil && !s.draining.Load() }

func (s *Server) handleReady(c *gin.Context) {
	if !s.ready() {
		abortWith(c, &apiError{Status: http.StatusServiceUnavailable, Code: codeNotReady, Message: "not ready: shutting down or no model loaded"})
		return
	}
	b := append([]byte(`{"status":"ready","model_version":`), appendString(nil, s.ModelVersion())...)
	writeJSON(c, http.StatusOK, append(b, "}\n"...))
}

// modelInfo is the GET /v1/model answer.
type modelInfo struct {
	Name            string             `json:"name"`
	Family          string             `json:"family"`
	Version         string             `json:"version"`
	SchemaVersion   string             `json:"schema_version"`
	FormatVersion   int                `json:"format_version"`
	BuildVersion    string             `json:"build_version"`
	CreatedAt       time.Time          `json:"created_at"`
	LoadedAt        time.Time          `json:"loaded_at"`
	DataFingerprint string             `json:"data_fingerprint"`
	ParamsSHA256    string             `json:"params_sha256"`
	Counts          any                `json:"counts"`
	Metrics         map[string]float64 `json:"metrics"`
	Config          map[string]any     `json:"config"`
	Items           int                `json:"items"`
	Skills          int                `json:"skills"`
	Mastery         float64            `json:"mastery"`
	Reach           float64            `json:"reach"`
}

func (s *Server) handleModel(c *gin.Context) {
	l := s.model.Load()
	md := l.meta
	p := l.model.Params()
	info := modelInfo{
		Name: s.cfg.Name, Family: md.Family, Version: md.ModelVersion, SchemaVersion: md.SchemaVersion,
		FormatVersion: md.FormatVersion, BuildVersion: md.BuildVersion, CreatedAt: md.CreatedAt, LoadedAt: l.loadedAt,
		DataFingerprint: md.DataFingerprint, ParamsSHA256: md.ParamsSHA256, Counts: md.Counts,
		Metrics: md.Metrics, Config: md.Config, Items: len(p.Items), Skills: len(p.Skills),
		Mastery: l.mastery, Reach: l.reach,
	}
	if info.Metrics == nil {
		info.Metrics = map[string]float64{}
	}
	if info.Config == nil {
		info.Config = map[string]any{}
	}
	c.JSON(http.StatusOK, info)
}

func (s *Server) handleReload(c *gin.Context) {
	prev := s.ModelVersion()
	if err := s.Reload(c.Request.Context()); err != nil {
		abortWith(c, &apiError{Status: http.StatusInternalServerError, Code: codeReloadFailed,
			Message: "reload failed, still serving " + prev + ": " + err.Error()})
		return
	}
	b := append([]byte(`{"model_version":`), appendString(nil, s.ModelVersion())...)
	b = append(b, `,"previous_version":`...)
	b = appendString(b, prev)
	writeJSON(c, http.StatusOK, append(b, "}\n"...))
}

// scratch is the per-request memory of the scoring routes, pooled.
type scratch struct {
	body []byte
	out  []byte
	dec  decoder
	bulk bool
}

// Pooled scratch is dropped rather than kept when it grew past these
// bounds, so one outsized request does not pin its memory: single requests
// keep up to maxPooledBytes per buffer, batch requests up to their body
// limit (sync.Pool frees idle entries within two GC cycles either way).
const (
	maxPooledBytes = 1 << 20
	maxPooledRows  = 1 << 16
)

func (s *Server) getScratch(bulk bool) *scratch {
	pool := &s.scratch
	if bulk {
		pool = &s.bulk
	}
	sc, _ := pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	sc.bulk = bulk
	sc.dec.lim = limits{attempts: s.cfg.MaxAttempts, candidates: s.cfg.MaxCandidates, learners: s.cfg.MaxBatchLearners}
	return sc
}

func (s *Server) putScratch(sc *scratch) {
	bytes, rows := int64(maxPooledBytes), maxPooledRows
	pool := &s.scratch
	if sc.bulk {
		bytes = s.cfg.MaxBatchBodyBytes + 1
		rows = max(rows, s.cfg.MaxBatchLearners*min(s.cfg.MaxAttempts, 200))
		pool = &s.bulk
	}
	r := &sc.dec.req
	if int64(cap(sc.body)) > bytes || int64(cap(sc.out)) > bytes || int64(cap(sc.dec.lx.arena)) > bytes ||
		cap(r.Attempts) > rows || cap(r.SkillIDs) > 4*rows || cap(r.Candidates) > rows || cap(r.Learners) > rows {
		return
	}
	pool.Put(sc)
}

// readBody checks the content type and reads the body into buf, up to max
// bytes.
func readBody(c *gin.Context, max int64, buf []byte) ([]byte, error) {
	ct := c.GetHeader("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !strings.EqualFold(strings.TrimSpace(ct), jsonContentType) {
		return buf, &apiError{Status: http.StatusUnsupportedMediaType, Code: codeMediaType,
			Message: "Content-Type must be application/json, got " + quoteOrNone(c.GetHeader("Content-Type"))}
	}
	tooLarge := &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
		Message: fmt.Sprintf("request body larger than %d bytes", max)}
	n := c.Request.ContentLength
	if n > max {
		return buf, tooLarge
	}
	buf = buf[:0]
	if n > 0 && int64(cap(buf)) < n+1 {
		buf = make([]byte, 0, n+1)
	}
	r := c.Request.Body
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if int64(len(buf)) > max {
			return buf[:0], tooLarge
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return buf[:0], &apiError{Status: http.StatusBadRequest, Code: codeBadJSON, Message: "reading the body: " + err.Error()}
		}
	}
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

// fail answers a scoring request that could not be scored and counts it.
func (s *Server) fail(c *gin.Context, err error) {
	e := asAPIError(err)
	reason := e.Code
	if e.Status == http.StatusInternalServerError {
		s.log.Error("scoring failed", "request_id", c.GetString(requestIDHeader), "error", err.Error())
	}
	s.metrics.errors.WithLabelValues(reason).Inc()
	abortWith(c, e)
}
