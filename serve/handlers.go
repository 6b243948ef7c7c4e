package serve

import (
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/zpd-project/zpd/models/elasticity"
)

// handleScore is POST /v1/score: one learner.
func (s *Server) handleScore(c *gin.Context) {
	l := s.model.Load()
	sc := s.getScratch(false)
	defer s.putScratch(sc)
	var err error
	if sc.body, err = readBody(c, s.cfg.MaxBodyBytes, sc.body); err != nil {
		s.fail(c, err)
		return
	}
	req, err := sc.dec.decodeSingle(sc.body)
	if err != nil {
		s.fail(c, err)
		return
	}
	w := l.getWorker()
	defer l.putWorker(w)
	post, uerr := w.score(l, req, 0, req.Learners[0].Options.merge(s.defaults))
	if uerr != nil {
		s.fail(c, uerr.v1Field(&req.Learners[0]))
		return
	}
	s.checkFinite(&post)
	sc.out = w.appendResult(sc.out[:0], l, req, 0, &post)
	sc.out = append(sc.out, '\n')
	s.metrics.learners.Inc()
	writeJSON(c, http.StatusOK, sc.out)
}

// checkFinite counts a posterior that JSON cannot carry in full (its
// non-finite numbers are written as null).
func (s *Server) checkFinite(p *elasticity.Posterior) {
	for _, v := range [...]float64{p.Ability.Value, p.Ability.SD, p.Elasticity.Value, p.Elasticity.SD,
		p.PointOfDifficulty.SD} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			s.metrics.errors.WithLabelValues("non_finite").Inc()
			return
		}
	}
}

// handleBatch is POST /v1/score/batch: many learners, each answered as
// /v1/score would.
func (s *Server) handleBatch(c *gin.Context) {
	l := s.model.Load()
	sc := s.getScratch(true)
	defer s.putScratch(sc)
	var err error
	if sc.body, err = readBody(c, s.cfg.MaxBatchBodyBytes, sc.body); err != nil {
		s.fail(c, err)
		return
	}
	req, err := sc.dec.decodeBatch(sc.body)
	if err != nil {
		s.fail(c, err)
		return
	}
	head := append(sc.out[:0], `{"model_version":`...)
	head = appendString(head, l.meta.ModelVersion)
	head = append(head, `,"results":[`...)
	parts, err := s.scoreBatch(l, req, req.Options.merge(s.defaults))
	defer func() {
		for _, p := range parts {
			s.putChunk(p)
		}
	}()
	if err != nil {
		s.fail(c, err)
		return
	}
	sc.out = head
	const tail = "]}\n"
	// The parts go out as they are, with commas between them: no copy of
	// a response that can run to tens of megabytes.
	n := len(head) + len(tail)
	for i, p := range parts {
		n += len(p)
		if i > 0 {
			n++
		}
	}
	h := c.Writer.Header()
	h["Content-Type"] = []string{jsonContentType}
	h["Content-Length"] = []string{strconv.Itoa(n)}
	c.Status(http.StatusOK)
	c.Writer.Write(head)
	for i, p := range parts {
		if i > 0 {
			c.Writer.WriteString(",")
		}
		c.Writer.Write(p)
	}
	c.Writer.WriteString(tail)
	s.metrics.learners.Add(float64(len(req.Learners)))
}

// batchChunk is how many learners one goroutine scores at a time.
const batchChunk = 64

// scoreBatch scores every learner of req and returns their results in
// order, in parts (each a comma-separated run of results, from the chunk
// pool). Batches of more than one chunk are scored by up to GOMAXPROCS
// goroutines; the first error (by learner) is returned.
func (s *Server) scoreBatch(l *loaded, req *request, def options) ([][]byte, error) {
	n := len(req.Learners)
	if n == 0 {
		return nil, nil
	}
	chunks := (n + batchChunk - 1) / batchChunk
	parts := make([][]byte, chunks)
	errs := make([]error, chunks)
	var next atomic.Int64
	work := func() {
		w := l.getWorker()
		defer l.putWorker(w)
		for {
			i := int(next.Add(1) - 1)
			if i >= chunks {
				return
			}
			lo, hi := i*batchChunk, min((i+1)*batchChunk, n)
			parts[i], errs[i] = s.scoreRange(s.getChunk(), l, w, req, lo, hi, def)
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) - 1 {
		wg.Go(work)
	}
	work() // this goroutine works too
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return parts, err
		}
	}
	return parts, nil
}

// scoreRange appends the results of learners [lo, hi) to out.
func (s *Server) scoreRange(out []byte, l *loaded, w *worker, req *request, lo, hi int, def options) ([]byte, error) {
	for i := lo; i < hi; i++ {
		post, uerr := w.score(l, req, i, req.Learners[i].Options.merge(def))
		if uerr != nil {
			return out, within(uerr.v1Field(&req.Learners[i]), "learners", i)
		}
		s.checkFinite(&post)
		if i > lo {
			out = append(out, ',')
		}
		out = w.appendResult(out, l, req, i, &post)
	}
	return out, nil
}

func (s *Server) getChunk() []byte {
	if p, ok := s.chunks.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return nil
}

func (s *Server) putChunk(b []byte) {
	if cap(b) > 0 && cap(b) <= 4*maxPooledBytes {
		b = b[:0]
		s.chunks.Put(&b)
	}
}
