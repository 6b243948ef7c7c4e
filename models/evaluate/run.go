package evaluate

import (
	"context"
	"errors"
	"fmt"
	"github.com/zpd-project/zpd/models/protocol"
	"math"
	"sort"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// Options configure Run.
type Options struct {
	// Seed is passed to every family's Fit.
	Seed int64
	// Params holds family-specific settings, keyed by family name; each
	// family's Fit receives its own entry.
	Params map[string]map[string]any
	// Progress, when non-nil, is told which family is being fitted and the
	// fraction of its fit done.
	Progress func(family string, done float64)
}

// ErrEmptySplit is returned by Run when the log's learners all fall on one
// side of the train/test split.
var ErrEmptySplit = errors.New("the protocol needs learners on both sides, so use a log with more learners")

// Run evaluates families on log under the protocol. Learners in protocol.TestFold are
// test learners; every family is fitted on a log holding only the other
// learners' full histories. Each test learner is then replayed through a
// fresh Learner: every attempt, in Seq order, is predicted from its protocol.Blind
// copy and then observed in full.
func Run(ctx context.Context, log *datasets.Log, families []models.Family, opts Options) (*Leaderboard, error) {
	if log == nil || log.Len() == 0 {
		return nil, errors.New("evaluate: empty log")
	}
	if len(families) == 0 {
		return nil, errors.New("evaluate: no model families")
	}
	seen := map[string]bool{}
	for _, f := range families {
		if seen[f.Name()] {
			return nil, fmt.Errorf("evaluate: family %q listed twice", f.Name())
		}
		seen[f.Name()] = true
	}
	train, err := protocol.SubsetContext(ctx, log, func(id string) bool { return protocol.LearnerFold(id) != protocol.TestFold })
	if err != nil {
		return nil, err
	}
	lb, histories := testSet(log)
	lb.Attempts = log.Len()
	lb.TrainLearners = train.Learners.Len()
	lb.TrainAttempts = train.Len()
	if train.Len() == 0 || lb.TestAttempts == 0 {
		// Small logs (one learner, a handful) can put every learner on one side.
		return nil, fmt.Errorf("evaluate: the %d learners split into %d train and %d test attempts (test = fold %d of 5 by learner id hash): %w",
			log.Learners.Len(), train.Len(), lb.TestAttempts, protocol.TestFold, ErrEmptySplit)
	}
	for _, f := range families {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		score, err := evalFamily(ctx, f, train, log, histories, lb.Test, opts)
		if err != nil {
			return nil, err
		}
		lb.Models = append(lb.Models, score)
	}
	return lb, nil
}

// testSet returns a Leaderboard holding the test attempts (learners in id
// order, attempts in Seq order) and the matching row histories.
func testSet(log *datasets.Log) (*Leaderboard, [][]int32) {
	all := log.Histories()
	var learners []int32
	for u, id := range log.Learners.IDs() {
		if protocol.LearnerFold(id) == protocol.TestFold && len(all[u]) > 0 {
			learners = append(learners, int32(u))
		}
	}
	sort.Slice(learners, func(a, b int) bool {
		return log.Learners.ID(learners[a]) < log.Learners.ID(learners[b])
	})
	lb := &Leaderboard{TestLearners: len(learners)}
	histories := make([][]int32, len(learners))
	for k, u := range learners {
		histories[k] = all[u]
		for _, row := range all[u] {
			lb.Test = append(lb.Test, TestAttempt{
				Learner:     log.Learners.ID(u),
				Seq:         log.Seq[row],
				Independent: log.Independent[row],
				Supported:   log.Supported[row],
			})
		}
	}
	lb.TestAttempts = len(lb.Test)
	return lb, histories
}

// evalFamily fits f on train, replays the test histories and scores them.
func evalFamily(ctx context.Context, f models.Family, train, log *datasets.Log, histories [][]int32, test []TestAttempt, opts Options) (ModelScore, error) {
	name := f.Name()
	fo := models.FitOptions{Seed: opts.Seed, Params: models.FamilyParams(opts.Params, name)}
	if opts.Progress != nil {
		fo.Progress = func(done float64) { opts.Progress(name, done) }
	}
	start := time.Now()
	m, err := f.Fit(ctx, train, fo)
	if err != nil {
		return ModelScore{}, fmt.Errorf("evaluate: fit %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		// A family that does not watch ctx finished its fit anyway.
		return ModelScore{}, err
	}
	score := ModelScore{Name: name, FitTime: time.Since(start)}
	for _, h := range histories {
		if err := ctx.Err(); err != nil {
			return ModelScore{}, err
		}
		score.Predictions = append(score.Predictions, protocol.Replay(m, log, h)...)
	}
	for k, pr := range score.Predictions {
		if !isProb(pr.Independent) || !isProb(pr.Supported) {
			return ModelScore{}, fmt.Errorf("evaluate: %s: learner %s seq %d: prediction %+v is not a probability",
				name, test[k].Learner, test[k].Seq, pr)
		}
	}
	score.setMetrics(test)
	return score, nil
}

func isProb(p float64) bool { return p >= 0 && p <= 1 && !math.IsNaN(p) }

// setMetrics computes the protocol metrics of s.Predictions against test.
func (s *ModelScore) setMetrics(test []TestAttempt) {
	yInd := make([]bool, len(test))
	pInd := make([]float64, len(test))
	var ySup []bool
	var pSup []float64
	for k, t := range test {
		yInd[k], pInd[k] = t.Independent, s.Predictions[k].Independent
		if !t.Independent {
			ySup = append(ySup, t.Supported)
			pSup = append(pSup, s.Predictions[k].Supported)
		}
	}
	s.AUCInd = AUC(yInd, pInd)
	s.LogLossInd = LogLoss(yInd, pInd)
	s.ECEInd = ECE(yInd, pInd, ECEBins)
	s.AUCSup = AUC(ySup, pSup)
}
