// Package dkt is deep knowledge tracing (Piech et al., 2015) under zpd's
// two-stage outcome: a GRU reads a learner's attempts, each encoded as its
// skill (or item) crossed with how it ended (alone, with support, failed),
// and two sigmoid heads per skill give, for the next attempt, P(success
// alone) and P(success with support | failed alone). It is trained with
// gorgonia (minibatches of padded windows, Adam, masked binary
// cross-entropy, early stopping on held-out training learners) and
// predicts with a hand-written float64 forward pass over the trained
// weights, which a test holds equal to gorgonia's. docs/models-dkt.md
// gives the equations.
package dkt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models"
)

// Name is the family's name.
const Name = "dkt"

// Family fits DKT models. FitOptions.Params is decoded by ParseConfig.
type Family struct{}

// Name returns "dkt".
func (Family) Name() string { return Name }

// Fit trains the network on the training learners. A ValidationFraction of
// them, drawn by the seed, is held out of the gradient steps to choose the
// epoch; the rest are cut into windows and trained on.
func (Family) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	if train.Len() == 0 {
		return nil, fmt.Errorf("%s: empty training log", Name)
	}
	cfg, err := ParseConfig(opts.Params)
	if err != nil {
		return nil, err
	}
	v := logVocab(train, cfg.Key)
	s := v.encode(train)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0xd47))
	fit, val := splitLearners(train, cfg.ValidationFraction, rng)
	w := newWeights(v.numKeys(), v.numSkills(), cfg.Embedding, cfg.Hidden)
	w.init(rng)
	best, res, err := trainNet(ctx, w, s, fit, val, cfg, rng, opts.Progress)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if opts.Progress != nil {
		opts.Progress(1) // early stopping ends before the last epoch
	}
	return &Model{vocab: v, cfg: cfg, w: best, training: res}, nil
}

// splitLearners shuffles the log's learners (by id, then rng) and holds out
// the first fraction of them for validation; at least two learners must
// remain on each side, otherwise none is held out.
func splitLearners(log *datasets.Log, fraction float64, rng *rand.Rand) (fit, val []int) {
	all := make([]int, log.Learners.Len())
	for u := range all {
		all[u] = u
	}
	slices.SortFunc(all, func(a, b int) int {
		return strings.Compare(log.Learners.ID(int32(a)), log.Learners.ID(int32(b)))
	})
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	n := int(math.Round(fraction * float64(len(all))))
	if n < 2 || len(all)-n < 2 {
		return all, nil
	}
	return all[n:], all[:n]
}

// Model is a trained DKT network.
type Model struct {
	vocab    *vocab
	cfg      Config
	w        *weights
	training trainResult
}

// Family returns "dkt".
func (m *Model) Family() string { return Name }

// NewLearner starts a learner at the empty state.
func (m *Model) NewLearner() models.Learner {
	return &learner{m: m, st: newState(m.w)}
}

// learner is one learner's GRU state.
type learner struct {
	m                  *Model
	st                 *state
	skills, cols, toks []int32
}

// resolve sets l.cols to the attempt's output columns and returns its item.
func (l *learner) resolve(a *datasets.Attempt) int32 {
	ix := l.m.vocab.ix
	item := ix.Item(a.Item)
	l.skills = features.AppendSkills(l.skills[:0], ix, a.Skills)
	l.cols = l.m.vocab.columns(l.cols, item, l.skills)
	return item
}

// Predict reads the attempt's item and skills only, and returns the heads'
// means over its skills from the state after the learner's earlier
// attempts.
func (l *learner) Predict(a *datasets.Attempt) models.Prediction {
	l.resolve(a)
	return models.Prediction{Independent: l.st.predict(0, l.cols), Supported: l.st.predict(1, l.cols)}
}

// Observe advances the state by the attempt and its outcome.
func (l *learner) Observe(a *datasets.Attempt) {
	item := l.resolve(a)
	l.toks = l.m.vocab.tokens(l.toks, item, l.cols, features.OutcomeOf(a.Independent, a.Supported))
	l.st.step(l.toks)
}
