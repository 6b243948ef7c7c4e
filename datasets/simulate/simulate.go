package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

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
	err := gen.run(func(b *batch) error {
		for i := range b.attempts {
			a := &b.attempts[i]
			if err := sink.Write(a); err != nil {
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
// Truth.Learners[i].
func SimulateLog(cfg Config) (*datasets.Log, *Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	gen := newGenerator(cfg)
	lb := newLogBuilder(gen.truth, int(gen.truth.Attempts))
	err := gen.run(func(b *batch) error {
		lb.add(b)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return lb.log, gen.truth, nil
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

// learner simulates learner i, appending the attempts to b. learned is
// scratch of length Skills; learned[k] becomes Σ γ·n over the learner's
// earlier attempts on skill k.
func (gen *generator) learner(i int, learned []float64, b *batch) {
	cfg := &gen.cfg
	rng := newRand(cfg.Seed, attemptStream+uint64(i))
	lt := &gen.truth.Learners[i]
	var groups []string
	if g := gen.groupOf[i]; g >= 0 {
		groups = gen.groupValues[g]
	}
	clear(learned)
	tms := cfg.Start.UnixMilli() + int64(rng.Float64()*float64(cfg.StartSpread.Milliseconds()))
	for seq := range lt.Attempts {
		j := gen.pick(rng, lt, learned)
		it := &gen.truth.Items[j]
		a := lt.Theta + gen.gain(it, learned)
		gap := it.Difficulty - a
		att := datasets.Attempt{
			Learner: lt.ID, Item: it.ID, Skills: it.Skills, Seq: int64(seq),
			Time:           time.UnixMilli(tms).UTC(),
			HintsAvailable: it.HintsAvailable,
			Difficulty:     math.NaN(),
			Groups:         groups,
		}
		if cfg.ExposeDifficulty {
			att.Difficulty = it.Difficulty
		}
		gen.outcome(rng, &att, a, lt.Elasticity, it, gap)
		logRT := cfg.ResponseLogMean + cfg.ResponseGapSlope*gap + cfg.ResponseLogSD*rng.NormFloat64()
		att.ResponseMS = math.Round(math.Exp(min(logRT, maxLogResponseMS)))
		tms += int64(att.ResponseMS) + int64(rng.ExpFloat64()*gen.gapMeanMS)
		if cfg.Learning {
			d := cfg.Gain(att.Independent, att.Supported)
			for _, k := range it.skills {
				learned[k] += d
			}
		}
		b.attempts = append(b.attempts, att)
		b.items = append(b.items, int32(j))
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

// outcome draws the two stages and the support signals of one attempt by a
// learner of effective ability a and elasticity e on item it.
func (gen *generator) outcome(rng *rand.Rand, att *datasets.Attempt, a, e float64, it *ItemTruth, gap float64) {
	cfg := &gen.cfg
	if rng.Float64() < PIndependent(a, it.Difficulty) {
		// Right first time, no help: no hints, no retries.
		att.Independent, att.Supported = true, true
		return
	}
	att.Supported = rng.Float64() < PSupported(a, e, gen.g, it.Difficulty)
	att.AnswerGiven = !att.Supported
	retryMean := min(math.Exp(cfg.RetryBias+cfg.RetrySlope*gap), maxRetryMean)
	switch {
	case it.HintsAvailable == 0:
		// No hints: a wrong answer leads into scaffolding sub-questions.
		att.Scaffolded = true
		att.Retries = int32(poisson(rng, retryMean*cfg.ScaffoldRetryScale))
	case !att.Supported:
		// The bottom-out hint gave the answer away.
		att.HintsUsed = it.HintsAvailable
		att.Retries = int32(poisson(rng, retryMean))
	default:
		// Fewer hints than the bottom-out one, more the further the item
		// is beyond the learner.
		p := Sigmoid(cfg.HintBias + cfg.HintSlope*gap)
		att.HintsUsed = int32(binomial(rng, int(it.HintsAvailable)-1, p))
		att.Retries = int32(poisson(rng, retryMean))
		if att.HintsUsed == 0 {
			// Failing alone without a hint means the first response was
			// wrong, so succeeding took at least one more.
			att.Retries++
		}
	}
}
