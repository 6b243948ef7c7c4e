package report

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/evaluate"
)

// ScoreIntervals is one family's protocol metrics with bootstrap intervals
// over test learners.
type ScoreIntervals struct {
	Name                               string
	AUCInd, LogLossInd, ECEInd, AUCSup Interval
	FitTime                            time.Duration
}

// LeaderboardIntervals bootstraps every model's protocol metrics over the
// test learners of lb (resamples resamples with replacement from seed). All
// models and metrics see the same resamples, so their intervals are paired.
func LeaderboardIntervals(lb *evaluate.Leaderboard, resamples int, seed uint64) []ScoreIntervals {
	d := newBoardData(lb)
	out := make([]ScoreIntervals, 0, len(lb.Models))
	for i := range lb.Models {
		m := &lb.Models[i]
		ind, sup := d.ranked(m, false), d.ranked(m, true)
		boot := func(metric func(r *ranked, w []float64) float64, r *ranked, support bool) Interval {
			return Bootstrap(d.learners, resamples, seed, func(cw []float64) float64 {
				return metric(r, d.weights(cw, support))
			})
		}
		out = append(out, ScoreIntervals{
			Name:       m.Name,
			AUCInd:     boot((*ranked).auc, ind, false),
			LogLossInd: boot((*ranked).logLoss, ind, false),
			ECEInd:     boot((*ranked).ece, ind, false),
			AUCSup:     boot((*ranked).auc, sup, true),
			FitTime:    m.FitTime,
		})
	}
	return out
}

// testClusters numbers the learners of test (which lists each learner's
// attempts together) and returns each attempt's learner number and the
// number of learners.
func testClusters(test []evaluate.TestAttempt) ([]int, int) {
	clusterOf := make([]int, len(test))
	n := 0
	for k, t := range test {
		if k == 0 || t.Learner != test[k-1].Learner {
			n++
		}
		clusterOf[k] = n - 1
	}
	return clusterOf, n
}

// LeaderboardSection is the evaluation protocol's result with bootstrap
// intervals and its figures.
type LeaderboardSection struct {
	// Note says why the section is empty, or what it covers.
	Note          string
	Board         *evaluate.Leaderboard
	Scores        []ScoreIntervals
	Resamples     int
	AUCFigure     *Figure // AUCs with intervals
	Calibration   []*Figure
	ROC           []*Figure
	SupportCaveat string
	// Differences compare the elasticity model with the best other model on
	// each metric, paired over the same resampled learners.
	Differences []Difference
}

// evaluate runs the protocol unless a leaderboard was given or there is no
// log. Families are fitted concurrently (one goroutine per family, at most
// GOMAXPROCS at a time); the leaderboard keeps their order.
func (b *builder) evaluate() error {
	b.lb = b.in.Leaderboard
	if b.lb != nil || b.in.Log == nil || b.opts.SkipEvaluation {
		return nil
	}
	fams, err := b.families()
	if err != nil {
		return err
	}
	params := b.opts.Params
	if params == nil {
		params = recordedParams(b.in.Artifact.Metadata)
	}
	boards := make([]*evaluate.Leaderboard, len(fams))
	errs := make([]error, len(fams))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, f := range fams {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			boards[i], errs[i] = evaluate.Run(b.ctx, b.in.Log, []models.Family{f}, evaluate.Options{
				Seed: b.opts.Seed, Params: params,
				Progress: func(name string, done float64) { b.progress("evaluate "+name, done) },
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if b.ctx.Err() != nil {
			return b.ctx.Err()
		}
		// A log the protocol cannot split (say, no learner in the test
		// fold) still gets the rest of the report.
		b.evalErr = err
		return nil
	}
	b.lb = boards[0]
	for _, lb := range boards[1:] {
		b.lb.Models = append(b.lb.Models, lb.Models...)
	}
	return nil
}

// families returns Options.Families, or every catalog family plus the
// artifact's family when the catalog lacks it.
func (b *builder) families() ([]models.Family, error) {
	if len(b.opts.Families) > 0 {
		var out []models.Family
		for _, n := range b.opts.Families {
			f, err := catalog.Lookup(n)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
	out := catalog.All()
	own := b.in.Artifact.Model.Family()
	for _, f := range out {
		if f.Name() == own {
			return out, nil
		}
	}
	if f, err := catalog.Lookup(own); err == nil {
		out = append(out, f)
	}
	return out, nil
}

// recordedParams returns the family params recorded in an artifact's config
// by zpd train (config "params": {family: {key: value}}).
func recordedParams(md artifact.Metadata) map[string]map[string]any {
	raw, _ := md.Config["params"].(map[string]any)
	out := map[string]map[string]any{}
	for fam, v := range raw {
		if m, ok := v.(map[string]any); ok {
			out[fam] = m
		}
	}
	return out
}

func (b *builder) leaderboard() error {
	s := &LeaderboardSection{Resamples: b.opts.Resamples}
	b.r.Leaderboard = s
	switch {
	case b.in.Log == nil && b.lb == nil:
		s.Note = "No attempt log given (--data): the evaluation protocol needs one."
		return nil
	case b.evalErr != nil:
		s.Note = "The evaluation protocol failed on this log: " + b.evalErr.Error()
		return nil
	case b.lb == nil:
		s.Note = "Evaluation was skipped."
		return nil
	}
	s.Board = b.lb
	s.Scores = LeaderboardIntervals(b.lb, b.opts.Resamples, uint64(b.opts.Seed))
	s.Differences = Differences(b.lb, elasticity.Name, b.opts.Resamples, uint64(b.opts.Seed))
	s.SupportCaveat = supportCaveat(b.lb)
	var err error
	if s.AUCFigure, err = aucFigure(s.Scores); err != nil {
		return err
	}
	if s.Calibration, err = calibrationFigures(b.lb); err != nil {
		return err
	}
	s.ROC, err = rocFigures(b.lb)
	return err
}

// supportCaveat names the families whose Supported prediction is a copy of
// Independent (the baselines do not model support), so their calibration
// for success with support is not meaningful.
func supportCaveat(lb *evaluate.Leaderboard) string {
	var names []string
	for _, m := range lb.Models {
		same := len(m.Predictions) > 0
		for _, p := range m.Predictions {
			if p.Supported != p.Independent {
				same = false
				break
			}
		}
		if same {
			names = append(names, m.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, ", ") + " predict success with support as P(success alone) (they do not model support): " +
		"their AUC there is a ranking score, and their calibration for success with support is not meaningful."
}
