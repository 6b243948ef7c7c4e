package serve

import (
	"math"
	"net/http"
	"runtime"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/zpd-project/zpd/models/elasticity"
)

// handleScore is POST /v1/score: one learner.
func (s *Server) handleScore(c *gin.Context) {
	l := s.model.Load()
	sc := s.getScratch()
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
	sc := s.getScratch()
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
	def := req.Options.merge(s.defaults)
	out := append(sc.out[:0], `{"model_version":`...)
	out = appendString(out, l.meta.ModelVersion)
	out = append(out, `,"results":[`...)
	out, err = s.scoreBatch(out, l, req, def)
	if err != nil {
		s.fail(c, err)
		return
	}
	sc.out = append(out, "]}\n"...)
	s.metrics.learners.Add(float64(len(req.Learners)))
	writeJSON(c, http.StatusOK, sc.out)
}

// batchChunk is how many learners one goroutine scores at a time.
const batchChunk = 64

// scoreBatch appends the results of every learner of req to out, in order,
// comma-separated. Large batches are scored in chunks by up to GOMAXPROCS
// goroutines; the first error (by learner) is returned.
func (s *Server) scoreBatch(out []byte, l *loaded, req *request, def options) ([]byte, error) {
	n := len(req.Learners)
	chunks := (n + batchChunk - 1) / batchChunk
	if chunks <= 1 || runtime.GOMAXPROCS(0) == 1 {
		w := l.getWorker()
		defer l.putWorker(w)
		return s.scoreRange(out, l, w, req, 0, n, def)
	}
	parts := make([][]byte, chunks)
	errs := make([]error, chunks)
	var next sync.Mutex
	k := 0
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Go(func() {
			w := l.getWorker()
			defer l.putWorker(w)
			for {
				next.Lock()
				i := k
				k++
				next.Unlock()
				if i >= chunks {
					return
				}
				lo, hi := i*batchChunk, min((i+1)*batchChunk, n)
				parts[i], errs[i] = s.scoreRange(s.getChunk(), l, w, req, lo, hi, def)
			}
		})
	}
	wg.Wait()
	var err error
	for i, p := range parts {
		if err == nil && errs[i] != nil {
			err = errs[i]
		}
		if err == nil {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, p...)
		}
		s.putChunk(p)
	}
	return out, err
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
	if cap(b) > 0 && cap(b) <= maxPooledBytes {
		b = b[:0]
		s.chunks.Put(&b)
	}
}
