package simulate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/zpd-project/zpd/datasets"
)

// AttemptSink receives simulated attempts in order: learner by learner, each
// learner's attempts by Seq. Write must not keep a after it returns: the
// simulator reuses the Attempt. Both *datasets.Writer and LogSink satisfy it.
type AttemptSink interface {
	Write(a *datasets.Attempt) error
}

// LogSink appends attempts to an in-memory Log.
type LogSink struct{ Log *datasets.Log }

// Write appends a to the log.
func (s LogSink) Write(a *datasets.Attempt) error {
	s.Log.Append(a)
	return nil
}

// Simulate draws a population from cfg, simulates every learner's attempts
// and writes them to sink in learner order. It returns the ground truth.
func Simulate(cfg Config, sink AttemptSink) (*Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	gen := newGenerator(cfg)
	err := gen.run(context.Background(), chunkRows, func(c *chunk) error {
		var a datasets.Attempt
		for r := 0; r < c.log.Len(); r++ {
			c.attempt(r, &a)
			if err := sink.Write(&a); err != nil {
				return fmt.Errorf("simulate: write attempt %d of %s: %w", a.Seq, a.Learner, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return gen.truth, nil
}

// SimulateLog simulates into memory and returns the log with its ground
// truth. The log's group columns are GroupNames(cfg); its learner index i is
// Truth.Learners[i]; items and skills are interned in order of first
// appearance, as Log.Append would.
func SimulateLog(cfg Config) (*datasets.Log, *Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	gen := newGenerator(cfg)
	var log *datasets.Log
	// One chunk holding every learner: the log is never recycled.
	err := gen.run(context.Background(), math.MaxInt, func(c *chunk) error {
		log = c.log
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return log, gen.truth, nil
}

// GroupNames returns the group columns a simulated log has: GroupColumn when
// cfg.Groups > 0, else none.
func GroupNames(cfg Config) []string {
	if cfg.Groups > 0 {
		return []string{GroupColumn}
	}
	return nil
}

// Upper bounds on exponents, so extreme parameters or gaps cannot overflow
// response times (e^20 ms ≈ 5.6 days) or make Poisson draws slow.
const (
	maxLogResponseMS = 20
	maxRetryMean     = 20
)

// generator holds what every learner's simulation reads; per-learner state
// lives in the stack of learner.
type generator struct {
	cfg         Config
	truth       *Truth
	groupOf     []int      // groupOf[i] is learner i's school, -1 without groups
	groupValues [][]string // groupValues[g] is the Attempt.Groups of school g
	g           float64    // support offered
	targetLogit float64    // logit of the adaptive target
	gapMeanMS   float64
}

func newGenerator(cfg Config) *generator {
	truth, groupOf := newTruth(cfg)
	gen := &generator{
		cfg:         cfg,
		truth:       truth,
		groupOf:     groupOf,
		g:           SupportOffered(nil),
		targetLogit: Logit(cfg.AdaptiveTarget),
		gapMeanMS:   float64(cfg.GapMean.Milliseconds()),
	}
	for _, name := range groupNames(cfg.Groups) {
		gen.groupValues = append(gen.groupValues, []string{name})
	}
	return gen
}

// learner simulates learner i into rows [row, row+Attempts) of l, whose
// columns are already sized; l's learner index for i is li. The Item column
// gets the truth item index, which chunk.finish turns into l's index.
// learned is scratch of length Skills; learned[k] becomes Σ γ·n over the
// learner's earlier attempts on skill k.
func (gen *generator) learner(i int, l *datasets.Log, li int32, row int, learned []float64) {
	cfg := &gen.cfg
	rng := newRand(cfg.Seed, attemptStream+uint64(i))
	lt := &gen.truth.Learners[i]
	group := ""
	if g := gen.groupOf[i]; g >= 0 {
		group = gen.groupValues[g][0]
	}
	clear(learned)
	tms := cfg.Start.UnixMilli() + int64(rng.Float64()*float64(cfg.StartSpread.Milliseconds()))
	for seq := range lt.Attempts {
		r := row + seq
		j := gen.pick(rng, lt, learned)
		it := &gen.truth.Items[j]
		a := lt.Theta + gen.gain(it, learned)
		gap := it.Difficulty - a
		o := gen.outcome(rng, a, lt.Elasticity, it, gap)
		logRT := cfg.ResponseLogMean + cfg.ResponseGapSlope*gap + cfg.ResponseLogSD*rng.NormFloat64()
		rt := math.Round(math.Exp(min(logRT, maxLogResponseMS)))

		l.Learner[r], l.Item[r], l.Seq[r], l.TimeMS[r] = li, int32(j), int64(seq), tms
		l.Independent[r], l.Supported[r] = o.independent, o.supported
		l.HintsUsed[r], l.HintsAvailable[r], l.Retries[r] = o.hints, it.HintsAvailable, o.retries
		l.Scaffolded[r], l.AnswerGiven[r] = o.scaffolded, o.answerGiven
		l.ResponseMS[r], l.Difficulty[r] = rt, math.NaN()
		if cfg.ExposeDifficulty {
			l.Difficulty[r] = it.Difficulty
		}
		if group != "" {
			l.Groups[0][r] = group
		}

		tms += int64(rt) + int64(rng.ExpFloat64()*gen.gapMeanMS)
		if cfg.Learning {
			d := cfg.Gain(o.independent, o.supported)
			for _, k := range it.skills {
				learned[k] += d
			}
		}
	}
}

// pick returns the index of the learner's next item.
func (gen *generator) pick(rng *rand.Rand, lt *LearnerTruth, learned []float64) int {
	items := gen.truth.Items
	if gen.cfg.Assignment != Adaptive {
		return rng.IntN(len(items))
	}
	// Compare in logits: |logit P(success with support) − logit target| is
	// monotone in the distance of the probabilities on either side, and
	// needs no exp.
	best, bestDist := 0, math.Inf(1)
	for range gen.cfg.AdaptiveCandidates {
		j := rng.IntN(len(items))
		it := &items[j]
		d := math.Abs(lt.Theta + gen.gain(it, learned) + lt.Elasticity*gen.g - it.Difficulty - gen.targetLogit)
		if d < bestDist {
			best, bestDist = j, d
		}
	}
	return best
}

// gain is the learning term of a: the mean over the item's skills of the
// ability earlier practice added.
func (gen *generator) gain(it *ItemTruth, learned []float64) float64 {
	if !gen.cfg.Learning {
		return 0
	}
	s := 0.0
	for _, k := range it.skills {
		s += learned[k]
	}
	return s / float64(len(it.skills))
}

// outcome is the result of one attempt: the two stages and the support
// signals.
type outcome struct {
	independent, supported  bool
	scaffolded, answerGiven bool
	hints, retries          int32
}

// outcome draws the two stages and the support signals of one attempt by a
// learner of effective ability a and elasticity e on item it.
func (gen *generator) outcome(rng *rand.Rand, a, e float64, it *ItemTruth, gap float64) outcome {
	cfg := &gen.cfg
	if rng.Float64() < PIndependent(a, it.Difficulty) {
		// Right first time, no help: no hints, no retries.
		return outcome{independent: true, supported: true}
	}
	var o outcome
	o.supported = rng.Float64() < PSupported(a, e, gen.g, it.Difficulty)
	o.answerGiven = !o.supported
	retryMean := min(math.Exp(cfg.RetryBias+cfg.RetrySlope*gap), maxRetryMean)
	switch {
	case it.HintsAvailable == 0:
		// No hints: a wrong answer leads into scaffolding sub-questions.
		o.scaffolded = true
		o.retries = int32(poisson(rng, retryMean*cfg.ScaffoldRetryScale))
	case !o.supported:
		// The bottom-out hint gave the answer away.
		o.hints = it.HintsAvailable
		o.retries = int32(poisson(rng, retryMean))
	default:
		// Fewer hints than the bottom-out one, more the further the item
		// is beyond the learner.
		p := Sigmoid(cfg.HintBias + cfg.HintSlope*gap)
		o.hints = int32(binomial(rng, int(it.HintsAvailable)-1, p))
		o.retries = int32(poisson(rng, retryMean))
		if o.hints == 0 {
			// Failing alone without a hint means the first response was
			// wrong, so succeeding took at least one more.
			o.retries++
		}
	}
	return o
}
