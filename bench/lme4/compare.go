// Command compare runs the parameter-recovery comparison of zpd's elasticity
// model with R lme4 side by side on one simulated log (docs/models.md).
//
//	go run ./bench/lme4 -learners 1000 -attempts 100
//
// It simulates learners with θ ~ N(0,1), ε ~ N(1, 0.5²) and no learning
// (datasets/simulate), fits elasticity (learning and item support effects
// off, so both models have the same structure), stacks the attempts into
// stage rows for glmer(y ~ support + (1 + support | learner) + (1 | item),
// binomial) — stage 1: support = 0, y = success alone; stage 2, only after
// a failure alone: support = 1, y = success with support — runs glmer.R,
// and prints the correlation of each model's estimates with the truth, the
// coverage of 90% intervals of ε, and the fit times. Needs Rscript with lme4
// (apt-get install -y r-base-core r-cran-lme4).
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/internal/atomicfile"
	"github.com/zpd-project/zpd/models/elasticity"
)

func main() {
	learners := flag.Int("learners", 1000, "simulated learners")
	attempts := flag.Int("attempts", 100, "attempts per learner")
	seed := flag.Uint64("seed", 1, "simulation seed")
	script := flag.String("script", "bench/lme4/glmer.R", "path of glmer.R")
	skipR := flag.Bool("skip-r", false, "fit only the elasticity model")
	flag.Parse()
	if err := run(*learners, *attempts, *seed, *script, *skipR); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// estimates are one model's per-learner and per-item estimates, aligned with
// the truth's learner and item order.
type estimates struct {
	theta, eps, epsSD, b []float64
	seconds              float64
}

func run(nLearners, nAttempts int, seed uint64, script string, skipR bool) error {
	cfg := simulate.DefaultConfig()
	cfg.Seed = seed
	cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = nLearners, nAttempts, nAttempts
	cfg.ThetaMean, cfg.ThetaSD, cfg.ElasticityMean, cfg.ElasticitySD, cfg.Correlation = 0, 1, 1, 0.5, 0
	cfg.Learning = false
	log, truth, err := simulate.SimulateLog(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("simulated %d learners x %d attempts = %d attempts, %d items (seed %d)\n",
		nLearners, nAttempts, log.Len(), len(truth.Items), seed)

	ours, err := fitElasticity(log, truth)
	if err != nil {
		return err
	}
	report("elasticity", ours, truth)
	if skipR {
		return nil
	}
	dir, err := os.MkdirTemp("", "zpd-lme4-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	theirs, err := fitGlmer(log, truth, script, dir)
	if err != nil {
		return err
	}
	report("glmer", theirs, truth)
	return nil
}

// fitElasticity fits the population model and scores every learner's full
// history with the Scorer: given the fitted items and prior, the posterior
// mode is the learner's MAP (θ, ε).
func fitElasticity(log *datasets.Log, truth *simulate.Truth) (*estimates, error) {
	cfg := elasticity.DefaultConfig()
	cfg.Learning, cfg.ItemSupport, cfg.Recency = false, false, false
	start := time.Now()
	m, err := elasticity.Fit(context.Background(), log, cfg, 1, nil)
	if err != nil {
		return nil, err
	}
	est := &estimates{seconds: time.Since(start).Seconds()}
	sc := elasticity.NewScorer(m)
	res := features.NewLogResolver(m.Index(), log)
	hist := log.Histories()
	var h elasticity.History
	for _, lt := range truth.Learners {
		u, ok := log.Learners.Lookup(lt.ID)
		if !ok {
			return nil, fmt.Errorf("learner %s missing from the log", lt.ID)
		}
		h.Reset()
		for _, r := range hist[u] {
			res.Append(&h, int(r))
		}
		post := sc.Score(&h)
		est.theta = append(est.theta, post.Ability.Value)
		est.eps = append(est.eps, post.Elasticity.Value)
		est.epsSD = append(est.epsSD, post.Elasticity.SD)
	}
	p := m.Params()
	for _, it := range truth.Items {
		j := m.ItemIndex(it.ID)
		b := math.NaN()
		if j != elasticity.NoItem {
			b = p.Difficulty[j]
		}
		est.b = append(est.b, b)
	}
	return est, nil
}

// fitGlmer writes the stacked stage rows, runs glmer.R and reads its modes.
func fitGlmer(log *datasets.Log, truth *simulate.Truth, script, dir string) (*estimates, error) {
	rows := filepath.Join(dir, "rows.csv")
	if err := writeRows(rows, log); err != nil {
		return nil, err
	}
	lOut, iOut := filepath.Join(dir, "learners.csv"), filepath.Join(dir, "items.csv")
	start := time.Now()
	cmd := exec.Command("Rscript", script, rows, lOut, iOut)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("Rscript %s: %w", script, err)
	}
	fmt.Print(string(out))
	est := &estimates{seconds: time.Since(start).Seconds()}
	lr, err := readCSV(lOut)
	if err != nil {
		return nil, err
	}
	ir, err := readCSV(iOut)
	if err != nil {
		return nil, err
	}
	for _, lt := range truth.Learners {
		r, ok := lr[lt.ID]
		if !ok {
			return nil, fmt.Errorf("%s: no row for learner %s", lOut, lt.ID)
		}
		est.theta = append(est.theta, r[0])
		est.eps = append(est.eps, r[1])
		est.epsSD = append(est.epsSD, r[3])
	}
	for _, it := range truth.Items {
		b := math.NaN()
		if r, ok := ir[it.ID]; ok {
			b = r[0]
		}
		est.b = append(est.b, b)
	}
	return est, nil
}

// writeRows writes the stacked stage rows of log as CSV, atomically.
func writeRows(path string, log *datasets.Log) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	w := bufio.NewWriter(f)
	cw := csv.NewWriter(w)
	cw.Write([]string{"learner", "item", "support", "y"})
	for i := 0; i < log.Len(); i++ {
		l, it := log.Learners.ID(log.Learner[i]), log.Items.ID(log.Item[i])
		cw.Write([]string{l, it, "0", b01(log.Independent[i])})
		if !log.Independent[i] {
			cw.Write([]string{l, it, "1", b01(log.Supported[i])})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// readCSV reads an R output file: an id column then numeric columns, keyed
// by id.
func readCSV(path string) (map[string][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string][]float64{}
	for i, rec := range recs[1:] {
		vals := make([]float64, len(rec)-1)
		for c, s := range rec[1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d column %d: %w", path, i+2, c+2, err)
			}
			vals[c] = v
		}
		out[rec[0]] = vals
	}
	return out, nil
}

func report(name string, e *estimates, truth *simulate.Truth) {
	var th, ep, b []float64
	for _, l := range truth.Learners {
		th = append(th, l.Theta)
		ep = append(ep, l.Elasticity)
	}
	for _, it := range truth.Items {
		b = append(b, it.Difficulty)
	}
	inside := 0
	for i := range ep {
		if math.Abs(e.eps[i]-ep[i]) <= 1.6449*e.epsSD[i] {
			inside++
		}
	}
	fmt.Printf("%-10s r(theta) %.3f  r(eps) %.3f  r(b) %.3f  eps 90%% coverage %.3f  fit %.2fs\n",
		name, pearson(e.theta, th), pearson(e.eps, ep), pearson(e.b, b), float64(inside)/float64(len(ep)), e.seconds)
}

// pearson is the correlation of x and y over the pairs where x is known.
func pearson(x, y []float64) float64 {
	var n, mx, my float64
	for i := range x {
		if !math.IsNaN(x[i]) {
			n++
			mx += x[i]
			my += y[i]
		}
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		if !math.IsNaN(x[i]) {
			sxy += (x[i] - mx) * (y[i] - my)
			sxx += (x[i] - mx) * (x[i] - mx)
			syy += (y[i] - my) * (y[i] - my)
		}
	}
	return sxy / math.Sqrt(sxx*syy)
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
