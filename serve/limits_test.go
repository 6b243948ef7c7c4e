package serve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// slowBatch starts a batch request whose body of n bytes is held back
// until release is called; it returns the response channel.
func slowBatch(t *testing.T, url string, n int64) (release func(), resp <-chan *http.Response) {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/v1/score/batch", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	out := make(chan *http.Response, 1)
	go func() {
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			out <- nil
			return
		}
		r.Body.Close()
		out <- r
	}()
	body := append([]byte(`{"learners":[]}`), bytes.Repeat([]byte(" "), int(n)-15)...)
	return func() { pw.Write(body); pw.Close() }, out
}

// Batch bodies in flight are bounded by max_batch_bytes_in_flight: a batch
// that does not fit waits up to batch_queue_timeout, a batch that would
// overfill the queue is refused at once, and both refusals are 503 with
// Retry-After and a JSON error (issue 16 item 4).
func TestBatchBytesInFlightAreBounded(t *testing.T) {
	f := fitted(t)
	cfg := testConfig(f.dir)
	cfg.MaxBatchBodyBytes = 1000
	cfg.MaxBatchBytesInFlight = 1000
	cfg.BatchQueueTimeout = 300 * time.Millisecond
	srv := httptest.NewServer(newTestServer(t, cfg).Handler())
	defer srv.Close()

	release1, resp1 := slowBatch(t, srv.URL, 1000) // holds the whole budget
	time.Sleep(100 * time.Millisecond)

	// Queued, then timed out.
	start := time.Now()
	release2, resp2 := slowBatch(t, srv.URL, 600)
	go release2() // sent at once: it is the server that holds it back
	r2 := <-resp2
	if r2 == nil || r2.StatusCode != http.StatusServiceUnavailable || r2.Header.Get("Retry-After") == "" {
		t.Fatalf("second batch: %v, want 503 with Retry-After", r2)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("second batch refused after %s, want it queued for the timeout first", waited)
	}

	// One batch queued (600 of 1000 queue bytes); a second one does not fit
	// in the queue and is refused at once.
	release3, resp3 := slowBatch(t, srv.URL, 600)
	go release3()
	time.Sleep(50 * time.Millisecond)
	start = time.Now()
	release4, resp4 := slowBatch(t, srv.URL, 600)
	go release4()
	r4 := <-resp4
	if r4 == nil || r4.StatusCode != http.StatusServiceUnavailable || time.Since(start) > 200*time.Millisecond {
		t.Fatalf("batch beyond the queue: %v after %s, want an immediate 503", r4, time.Since(start))
	}

	// The first finishes; the queued one gets in.
	release1()
	if r := <-resp1; r == nil || r.StatusCode != http.StatusOK {
		t.Fatalf("first batch: %v", r)
	}
	if r := <-resp3; r == nil || r.StatusCode != http.StatusOK {
		t.Fatalf("queued batch: %v, want 200 once the first finished", r)
	}
	// Single-learner requests are not held up by batches.
	if rec := call(srv.Config.Handler, http.MethodGet, "/readyz", "", nil); rec.Code != http.StatusOK {
		t.Errorf("readyz %d", rec.Code)
	}
}
