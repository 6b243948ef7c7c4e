package batch

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// candidate is one item of the readiness table.
type candidate struct {
	id    string
	index int32 // model item index
}

// partScorer scores one part's learners on several goroutines, one Scorer
// each, and writes the rows in learner-id order.
type partScorer struct {
	m       *elasticity.Model
	cands   []candidate
	workers int
	// progress is called from the writing goroutine with the attempts of
	// each chunk written.
	progress func(attempts int64)
	// policy, when set, recommends recommend items per learner.
	policy    pathway.Policy
	recommend int
}

// chunk is a run of consecutive learners (in output order) scored by one
// worker: their rows and, with candidates, their readiness for each.
type chunk struct {
	scores []learnerScore
	ready  []elasticity.Readiness // learner-major: len(scores) × len(cands)
	// recs are the learners' recommendations in order; recEnd[i] ends
	// learner i's.
	recs     []pathway.Recommendation
	recEnd   []int
	attempts int64
}

// chunkLearners returns how many learners a chunk holds: enough to keep
// the workers busy between hand-offs, few enough that the readiness rows
// of the chunks in flight stay small (≈ 64k rows a chunk).
func chunkLearners(candidates int) int {
	return min(1024, max(16, (1<<16)/max(candidates, 1)))
}

// score scores every learner of c (grouped as g) and appends the rows to
// learners and, when there are candidates, ready.
func (ps *partScorer) score(ctx context.Context, c *cohort, g *groups, learners *learnersTable, ready *readinessTable, recs *recommendationsTable) error {
	size := chunkLearners(len(ps.cands))
	n := (len(g.order) + size - 1) / size
	results := make([]chan *chunk, n)
	for k := range results {
		results[k] = make(chan *chunk, 1)
	}
	// A worker takes a token before taking the next chunk and the writer
	// gives it back once the chunk is written, so at most cap(tokens)
	// chunks are held at once. Workers take chunks in order, so the chunk
	// the writer waits for is always being scored.
	tokens := make(chan struct{}, 2*ps.workers)
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range ps.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := elasticity.NewScorer(ps.m)
			var h elasticity.History
			var cands []pathway.Candidate
			for {
				select {
				case tokens <- struct{}{}:
				case <-stop:
					return
				}
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				lo, hi := k*size, min((k+1)*size, len(g.order))
				results[k] <- ps.scoreChunk(sc, &h, &cands, c, g, g.order[lo:hi])
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for k := range n {
		var ch *chunk
		select {
		case ch = <-results[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ps.write(ch, learners, ready, recs); err != nil {
			return err
		}
		<-tokens
		if ps.progress != nil {
			ps.progress(ch.attempts)
		}
	}
	return nil
}

// scoreChunk scores the learners us with sc, reusing h.
func (ps *partScorer) scoreChunk(sc *elasticity.Scorer, h *elasticity.History, cands *[]pathway.Candidate, c *cohort, g *groups, us []int32) *chunk {
	ch := &chunk{scores: make([]learnerScore, len(us))}
	if len(ps.cands) > 0 {
		ch.ready = make([]elasticity.Readiness, 0, len(us)*len(ps.cands))
	}
	for i, u := range us {
		rows := g.rows[g.start[u]:g.start[u+1]]
		s := &ch.scores[i]
		s.learner = c.ids[u]
		history(h, s, c, rows)
		s.posterior = sc.Score(h)
		ch.attempts += s.attempts
		for _, cand := range ps.cands {
			ch.ready = append(ch.ready, sc.Readiness(cand.index, nil))
		}
		if ps.policy != nil {
			ch.recs = ps.recommendFor(ch.recs, h, s, ch.ready[len(ch.ready)-len(ps.cands):], cands)
			ch.recEnd = append(ch.recEnd, len(ch.recs))
		}
	}
	return ch
}

// recommendFor appends the policy's recommendations for the learner just
// scored (history h, score s, readiness ready of the candidates), as the
// server's options.policy computes them: the candidates placed by the
// model, the history replayed, the seed pathway.SeedFor.
func (ps *partScorer) recommendFor(dst []pathway.Recommendation, h *elasticity.History, s *learnerScore,
	ready []elasticity.Readiness, cands *[]pathway.Candidate) []pathway.Recommendation {
	*cands = (*cands)[:0]
	for i, cand := range ps.cands {
		pc := pathway.Place(ps.m, cand.index, nil)
		pc.Readiness = ready[i]
		*cands = append(*cands, pc)
	}
	v := pathway.View{Model: ps.m, Posterior: s.posterior, Candidates: *cands, Count: ps.recommend,
		Seed: pathway.SeedFor(s.learner, h.Len())}
	return pathway.Replay(ps.policy, ps.m, h).Next(dst, &v)
}

// history fills h with the learner's attempts rows (in Seq order; items
// and skills already resolved against the model) and s with their counts
// and last activity.
func history(h *features.History, s *learnerScore, c *cohort, rows []int32) {
	h.Reset()
	s.lastSeq, s.lastTimeMS = c.seq[rows[0]], noTime
	for _, r := range rows {
		f := c.flags[r]
		h.Add(c.item[r], c.skillsOf(r), features.OutcomeOf(f&flagIndependent != 0, f&flagSupported != 0))
		if f&flagHinted != 0 {
			h.MarkHinted()
		}
		s.attempts++
		if f&flagIndependent != 0 {
			s.independent++
		}
		if f&flagSupported != 0 {
			s.supported++
		}
		s.lastSeq = max(s.lastSeq, c.seq[r])
		if t := c.timeMS[r]; t != noTime && (s.lastTimeMS == noTime || t > s.lastTimeMS) {
			s.lastTimeMS = t
		}
	}
}

// write appends a chunk's rows to the tables.
func (ps *partScorer) write(ch *chunk, learners *learnersTable, ready *readinessTable, recs *recommendationsTable) error {
	nc := len(ps.cands)
	for i := range ch.scores {
		if recs != nil {
			lo := 0
			if i > 0 {
				lo = ch.recEnd[i-1]
			}
			for _, r := range ch.recs[lo:ch.recEnd[i]] {
				if err := recs.append(ch.scores[i].learner, ps.cands[r.Candidate].id, &r); err != nil {
					return err
				}
			}
		}
		s := &ch.scores[i]
		if err := learners.append(s); err != nil {
			return err
		}
		if ready == nil {
			continue
		}
		for j, cand := range ps.cands {
			if err := ready.append(s.learner, cand.id, &ch.ready[i*nc+j]); err != nil {
				return err
			}
		}
	}
	return nil
}
