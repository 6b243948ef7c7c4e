package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/serve"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve --model MODELDIR",
		Short: "Serve a model over HTTP: scores, readiness and next items for learners",
		Long: `serve loads an elasticity model artifact (zpd train --family elasticity) and
answers scoring requests over HTTP: POST /v1/score and /v1/score/batch, GET
/v1/model, the KServe v2 inference protocol under /v2, /healthz, /readyz,
/metrics and /openapi.json (docs/serve.md).

Scoring routes need "Authorization: Bearer <key>" with a key from api_keys
(ZPD_SERVE_API_KEYS, comma-separated); /admin/reload needs one of admin_keys
(ZPD_SERVE_ADMIN_KEYS). With no key configured serve refuses to start unless
--insecure is given. SIGHUP or POST /admin/reload reloads the artifact;
SIGTERM drains in-flight requests and exits. Logs are JSON lines on stderr.

With --store (sqlite:PATH, or postgres://... for several replicas) the
server also keeps learners' attempts and pathway state: POST
/v1/learners/{id}/attempts stores attempts and answers the score, GET, DELETE
and /export read and erase them (docs/serve.md, Stateful pathways).`,
		Example: `  ZPD_SERVE_API_KEYS=secret zpd serve --model models/as2009 --addr :8080
  zpd serve --config configs/serve.yaml --model models/sim
  zpd serve --model models/sim --insecure   # local experiments only
  zpd serve --model models/sim --store sqlite:learners.db   # with /v1/learners (stateful pathways)`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{drainsAnnotation: "shutdown_timeout"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := serve.DefaultConfig()
			if err := loadConfig(cmd, "serve", &cfg); err != nil {
				return err
			}
			return runServe(cmd, cfg)
		},
	}
	d := serve.DefaultConfig()
	f := cmd.Flags()
	f.String("model", "", "model artifact directory to serve")
	f.String("addr", d.Addr, "listen address, host:port")
	f.String("store", "", "learner store for the /v1/learners routes: sqlite:PATH or postgres://USER@HOST/DB (default none: stateless)")
	f.Int64("learner-cache-bytes", d.LearnerCacheBytes, "memory for learner histories kept between posts to the /v1/learners routes (0: none)")
	f.String("name", d.Name, "model name in the KServe v2 routes")
	f.Bool("insecure", false, "serve without API keys (every route open)")
	f.StringSlice("api-keys", nil, "API keys for the scoring routes; prefer ZPD_SERVE_API_KEYS or the config file (flags show in ps)")
	f.StringSlice("admin-keys", nil, "admin keys for /admin routes; prefer ZPD_SERVE_ADMIN_KEYS or the config file")
	f.Int64("max-body-bytes", d.MaxBodyBytes, "largest request body on /v1/score")
	f.Int64("max-batch-body-bytes", d.MaxBatchBodyBytes, "largest request body on /v1/score/batch and /v2 inference")
	f.Int64("max-batch-bytes-in-flight", d.MaxBatchBytesInFlight, "batch body bytes read and scored at once; more wait, then get 503 (docs/serve.md, Memory)")
	f.Duration("batch-queue-timeout", d.BatchQueueTimeout, "longest a batch waits for room before 503 with Retry-After")
	f.Int("max-attempts", d.MaxAttempts, "most attempts per learner")
	f.Int("max-candidates", d.MaxCandidates, "most candidate items per learner")
	f.Int("max-batch-learners", d.MaxBatchLearners, "most learners per batch")
	f.Duration("read-timeout", d.ReadTimeout, "time to read a whole request")
	f.Duration("read-header-timeout", d.ReadHeaderTimeout, "time to read request headers")
	f.Duration("write-timeout", d.WriteTimeout, "time to write a response")
	f.Duration("idle-timeout", d.IdleTimeout, "keep-alive idle time")
	f.Duration("shutdown-timeout", d.ShutdownTimeout, "time in-flight requests get to finish on shutdown")
	f.Int("recommendations", d.Recommendations, "next items recommended when a request does not say")
	f.String("policy", d.Policy, "pathway policy of the recommendations when a request names none: mastery-first, zad-next, zpd-pod, random or zpdes")
	f.StringSlice("trusted-proxies", nil, "addresses or CIDRs of proxies whose X-Forwarded-For names the client (default none)")
	f.Bool("access-log", d.AccessLog, "log every request (errors are logged regardless)")
	f.String("log-level", d.LogLevel, "debug, info, warn or error")
	return cmd
}

func runServe(cmd *cobra.Command, cfg serve.Config) error {
	logger, err := serve.NewLogger(cfg, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	srv, err := serve.New(cfg, serve.Options{Logger: logger, BuildVersion: version})
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx := cmd.Context()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go srv.ReloadOn(ctx, hup)
	return srv.Run(ctx)
}
