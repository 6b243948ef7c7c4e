package simulate

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/zpd-project/zpd/datasets"
)

// chunkRows is the number of attempts simulated into one chunk before it is
// handed on (for WriteDir, one Parquet row group): small enough that the
// next chunk is simulated while this one is written, large enough for good
// compression.
const chunkRows = 1 << 18

// pieceRows is the rough number of attempts in one worker's piece of a chunk.
const pieceRows = 4096

// chunk is the attempts of learners [first, end) as a Log. Every learner's
// attempt count is drawn up front, so each learner's rows are known before
// simulating and workers fill their learners' rows in place, in parallel.
type chunk struct {
	gen        *generator
	log        *datasets.Log
	first, end int
	items      []int32 // items[x] is the truth index of log item x
	itemIndex  []int32 // itemIndex[j] is truth item j's log index, -1 if unseen
	skillIndex []int32 // likewise for skills
}

func newChunk(gen *generator) *chunk {
	return &chunk{
		gen:        gen,
		log:        datasets.NewLog(GroupNames(gen.cfg)...),
		itemIndex:  make([]int32, len(gen.truth.Items)),
		skillIndex: make([]int32, len(gen.truth.Skills)),
	}
}

// resize returns s with length n, reusing its memory when large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// reset empties the chunk for learners [first, end): it sizes every
// per-row column for their attempts and interns the learners in order.
func (c *chunk) reset(first, end int) {
	c.first, c.end = first, end
	n := 0
	for i := first; i < end; i++ {
		n += c.gen.truth.Learners[i].Attempts
	}
	l := c.log
	l.Learners, l.Items, l.SkillIDs = datasets.Dict{}, datasets.Dict{}, datasets.Dict{}
	for i := first; i < end; i++ {
		l.Learners.Intern(c.gen.truth.Learners[i].ID)
	}
	l.Learner, l.Item, l.Seq, l.TimeMS = resize(l.Learner, n), resize(l.Item, n), resize(l.Seq, n), resize(l.TimeMS, n)
	l.Independent, l.Supported = resize(l.Independent, n), resize(l.Supported, n)
	l.HintsUsed, l.HintsAvailable, l.Retries = resize(l.HintsUsed, n), resize(l.HintsAvailable, n), resize(l.Retries, n)
	l.Scaffolded, l.AnswerGiven = resize(l.Scaffolded, n), resize(l.AnswerGiven, n)
	l.ResponseMS, l.Difficulty = resize(l.ResponseMS, n), resize(l.Difficulty, n)
	for g := range l.Groups {
		l.Groups[g] = resize(l.Groups[g], n)
	}
	l.SkillStart = append(resize(l.SkillStart, n+1)[:0], 0)
	// Items have one or two skills; reserve for the expected share of two.
	l.Skills = resize(l.Skills, n+int(float64(n)*c.gen.cfg.TwoSkillShare)+64)[:0]
	c.items = c.items[:0]
	for j := range c.itemIndex {
		c.itemIndex[j] = -1
	}
	for k := range c.skillIndex {
		c.skillIndex[k] = -1
	}
}

// finish interns the items and skills in order of first appearance, as
// Log.Append would, and fills the skill columns. It runs after the workers.
func (c *chunk) finish() {
	l, items := c.log, c.gen.truth.Items
	for r, j := range l.Item {
		if c.itemIndex[j] < 0 {
			c.itemIndex[j] = l.Items.Intern(items[j].ID)
			c.items = append(c.items, j)
		}
		l.Item[r] = c.itemIndex[j]
		for _, k := range items[j].skills {
			if c.skillIndex[k] < 0 {
				c.skillIndex[k] = l.SkillIDs.Intern(c.gen.truth.Skills[k].ID)
			}
			l.Skills = append(l.Skills, c.skillIndex[k])
		}
		l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
	}
}

// attempt sets a to row r of the chunk. Strings and slices are shared with
// the truth, so a must not be modified.
func (c *chunk) attempt(r int, a *datasets.Attempt) {
	l, gen := c.log, c.gen
	i := c.first + int(l.Learner[r])
	it := &gen.truth.Items[c.items[l.Item[r]]]
	*a = datasets.Attempt{
		Learner: gen.truth.Learners[i].ID, Item: it.ID, Skills: it.Skills, Seq: l.Seq[r],
		Time:        time.UnixMilli(l.TimeMS[r]).UTC(),
		Independent: l.Independent[r], Supported: l.Supported[r],
		HintsUsed: l.HintsUsed[r], HintsAvailable: l.HintsAvailable[r], Retries: l.Retries[r],
		Scaffolded: l.Scaffolded[r], AnswerGiven: l.AnswerGiven[r],
		ResponseMS: l.ResponseMS[r], Difficulty: l.Difficulty[r],
	}
	if g := gen.groupOf[i]; g >= 0 {
		a.Groups = gen.groupValues[g]
	}
}

// piece is one worker's share of a chunk: learners [first, end), whose rows
// start at row.
type piece struct {
	c          *chunk
	first, end int
	row        int
	done       *sync.WaitGroup
}

// run simulates the learners chunk by chunk, each of about rows attempts
// (a learner is never split), and calls emit with each chunk in learner
// order on the calling goroutine, while the next chunk is simulated.
// Workers fill a chunk in parallel; each learner draws from its own stream,
// so the output does not depend on the number of workers. emit must not keep
// the chunk unless it is the only one. The first error from emit, or ctx's
// error once it is cancelled, stops the simulation and is returned; ctx is
// checked between pieces of a few thousand attempts, so a cancel is answered
// within milliseconds.
func (gen *generator) run(ctx context.Context, rows int, emit func(*chunk) error) error {
	workers := gen.cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	pieces := make(chan piece)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			learned := make([]float64, gen.cfg.Skills)
			for p := range pieces {
				row := p.row
				for i := p.first; i < p.end; i++ {
					gen.learner(i, p.c.log, int32(i-p.c.first), row, learned)
					row += gen.truth.Learners[i].Attempts
				}
				p.done.Done()
			}
		})
	}

	ready := make(chan *chunk, 1)
	free := make(chan *chunk, 3)
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(pieces)
		defer close(ready)
		for first := 0; first < gen.cfg.Learners; {
			var c *chunk
			select {
			case c = <-free:
			default:
				c = newChunk(gen)
			}
			end, ok := gen.fill(ctx, c, first, rows, pieces)
			if !ok {
				return
			}
			select {
			case ready <- c:
			case <-stop:
				return
			}
			first = end
		}
	})

	var err error
	for c := range ready {
		if err = ctx.Err(); err != nil {
			break
		}
		if err = emit(c); err != nil {
			break
		}
		select {
		case free <- c:
		default:
		}
	}
	close(stop)
	for range ready {
		// Drain a chunk finished before the producer saw stop.
	}
	wg.Wait()
	if err == nil {
		// The producer stopped early without a chunk to say why.
		err = ctx.Err()
	}
	return err
}

// fill simulates learners from first into c, as many as fit in about rows
// attempts (at least one), splitting them into pieces for the workers. It
// returns the end of the learners it took, and false when ctx was cancelled
// before the chunk was complete.
func (gen *generator) fill(ctx context.Context, c *chunk, first, rows int, pieces chan<- piece) (int, bool) {
	learners := gen.truth.Learners
	end, n := first, 0
	for end < len(learners) && (end == first || n+learners[end].Attempts <= rows) {
		n += learners[end].Attempts
		end++
	}
	c.reset(first, end)
	var done sync.WaitGroup
	row := 0
	for a := first; a < end; {
		if ctx.Err() != nil {
			done.Wait()
			return end, false
		}
		b, size := a, 0
		for b < end && (b == a || size < pieceRows) {
			size += learners[b].Attempts
			b++
		}
		done.Add(1)
		pieces <- piece{c: c, first: a, end: b, row: row, done: &done}
		row += size
		a = b
	}
	done.Wait()
	c.finish()
	return end, true
}
