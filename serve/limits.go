package serve

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"
)

// batchGate bounds the batch bodies being read and scored at once by their
// size: each batch holds its body's bytes of a weighted semaphore from
// before its body is read until its answer is written. Memory per batch
// grows with its body, so this bounds the server's memory however many
// clients send at once (docs/serve.md, Memory).
type batchGate struct {
	sem      *semaphore.Weighted
	capacity int64         // bytes in flight, and bytes that may queue
	queued   atomic.Int64  // bytes waiting
	wait     time.Duration // longest wait in the queue
	maxBody  int64
}

func newBatchGate(cfg Config) *batchGate {
	return &batchGate{sem: semaphore.NewWeighted(cfg.MaxBatchBytesInFlight), capacity: cfg.MaxBatchBytesInFlight,
		wait: cfg.BatchQueueTimeout, maxBody: cfg.MaxBatchBodyBytes}
}

// admitBatch is the middleware of the batch routes.
func (s *Server) admitBatch(c *gin.Context) {
	g := s.batches
	n := c.Request.ContentLength
	switch {
	case n == 0 || n > g.maxBody:
		// Nothing to read, or refused by readBody before any is read.
		c.Next()
		return
	case n < 0:
		n = g.maxBody // chunked: as large as it may grow
	}
	if !g.sem.TryAcquire(n) {
		if g.queued.Add(n) > g.capacity {
			g.queued.Add(-n)
			s.overloaded(c, "the batch queue is full")
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), g.wait)
		err := g.sem.Acquire(ctx, n)
		cancel()
		g.queued.Add(-n)
		if err != nil {
			s.overloaded(c, fmt.Sprintf("no room for the batch within %s", g.wait))
			return
		}
	}
	defer g.sem.Release(n)
	c.Next()
}

// overloaded answers 503 with Retry-After: the client should try again
// once the batches in flight have had time to finish.
func (s *Server) overloaded(c *gin.Context, why string) {
	s.metrics.errors.WithLabelValues(codeOverloaded).Inc()
	secs := max(1, int(math.Ceil(s.batches.wait.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	abortWith(c, &apiError{Status: http.StatusServiceUnavailable, Code: codeOverloaded,
		Message: fmt.Sprintf("server busy: %s (max_batch_bytes_in_flight %d bytes); retry after %ds", why, s.batches.capacity, secs)})
}
