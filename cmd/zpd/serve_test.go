package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// trainElasticity writes a small elasticity artifact for the serve tests.
// It fits the family directly: the catalog (and so zpd train) does not list
// elasticity yet.
func trainElasticity(t *testing.T) string {
	t.Helper()
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts, cfg.Items, cfg.Skills = 60, 20, 20, 30, 4
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := elasticity.Family{}.Fit(context.Background(), log, models.FitOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "model")
	if err := artifact.Save(out, m, artifact.Metadata{SchemaVersion: datasets.SchemaVersion}, ""); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServeRefusesWithoutKey(t *testing.T) {
	model := trainElasticity(t)
	t.Setenv("ZPD_SERVE_API_KEYS", "")
	code, _, errOut := zpd(t, "serve", "--model", model, "--addr", "127.0.0.1:0")
	assertOneLineError(t, code, errOut, "--insecure")

	code, _, errOut = zpd(t, "serve", "--insecure", "--model", filepath.Join(t.TempDir(), "none"))
	assertOneLineError(t, code, errOut, "none")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeRunsAndReloadsOnSIGHUP starts zpd serve in-process with keys
// from the environment and a config file, scores a learner, sends the
// process SIGHUP and sees the reload in /metrics, then shuts it down by
// cancelling its context.
func TestServeRunsAndReloadsOnSIGHUP(t *testing.T) {
	model := trainElasticity(t)
	addr := freeAddr(t)
	t.Setenv("ZPD_SERVE_API_KEYS", "k1,k2")
	t.Setenv("ZPD_SERVE_ADMIN_KEYS", "adm")
	cfgFile := writeFile(t, filepath.Join(t.TempDir(), "serve.yaml"), "serve:\n  recommendations: 2\n  access_log: false\n")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfgFile, "--model", model, "--addr", addr}, &stdout, &stderr)
	}()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	post := func(key string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/v1/score", strings.NewReader(`{"learner_id":"x","attempts":[{"item_id":"item-001","correct_independent":true,"correct_supported":true}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, body := post("k2"); code != 200 || !strings.Contains(body, `"ability"`) {
		t.Errorf("score with the second env key: %d %s", code, body)
	}
	if code, _ := post("nope"); code != 401 {
		t.Errorf("score with a bad key: %d", code)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for {
		r, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if strings.Contains(string(b), `zpd_model_reloads_total{result="ok"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no reload after SIGHUP")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	var sawStop bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
		sawStop = sawStop || m["msg"] == "stopped"
	}
	if !sawStop {
		t.Errorf("no graceful stop in the log:\n%s", stderr.String())
	}
}
