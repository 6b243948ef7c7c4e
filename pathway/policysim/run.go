package policysim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/zpd-project/zpd/pathway"
)

// Options are a run's settings.
type Options struct {
	// Policies are compared with the first, the baseline (mastery-first on
	// the command line). NewPolicies builds them from names.
	Policies []pathway.Policy
	Learners int
	Steps    int
	Seed     uint64
	// Workers is the number of goroutines (0: GOMAXPROCS); results do not
	// depend on it.
	Workers int
	// Resamples is the number of bootstrap replicates (0: 200).
	Resamples int
}

// chunkSize is how many learners one task simulates. It fixes the order in
// which sums are added, so results are identical at any worker count.
const chunkSize = 64

// Groups of learners every metric is summed over: everyone, then the four
// population quartiles of ε, then those of starting θ.
const (
	gAll     = 0
	gEps     = 1
	gTheta   = 5
	nGroups  = 9
	curvePts = 25
	postPts  = 10
)

// acc holds a chunk's sums: for replicate r (0: every weight 1, then the
// Poisson bootstrap replicates) and group g, the weight W[r][g] and the
// weighted sums of every policy's metrics; and the unweighted ability
// curves.
type acc struct {
	w     []float64 // [r][g]
	sums  []float64 // [r][g][p][m]
	curve []float64 // [p][checkpoint]
	n     int
}

func newAcc(reps, policies, checkpoints int) *acc {
	return &acc{
		w:     make([]float64, reps*nGroups),
		sums:  make([]float64, reps*nGroups*policies*nMetrics),
		curve: make([]float64, policies*checkpoints),
	}
}

func (a *acc) add(b *acc) {
	for i, v := range b.w {
		a.w[i] += v
	}
	for i, v := range b.sums {
		a.sums[i] += v
	}
	for i, v := range b.curve {
		a.curve[i] += v
	}
	a.n += b.n
}

// NewPolicies returns the named policies with the world's policy settings.
func (w *World) NewPolicies(names []string) ([]pathway.Policy, error) {
	cfg, err := w.PolicyConfig()
	if err != nil {
		return nil, err
	}
	var out []pathway.Policy
	for _, name := range names {
		p, err := pathway.New(name, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Run simulates opts.Learners learners of the setup's world under every
// policy and summarises the results. Learners are streamed in chunks;
// memory does not grow with their number.
func Run(ctx context.Context, setup *Setup, opts Options) (*Summary, error) {
	if opts.Learners < 1 || opts.Steps < 1 {
		return nil, fmt.Errorf("policysim: learners = %d, steps = %d: want both >= 1", opts.Learners, opts.Steps)
	}
	if len(opts.Policies) == 0 {
		return nil, fmt.Errorf("policysim: no policies")
	}
	s := &sim{world: &setup.World, bank: setup.bank, model: setup.Model, seed: opts.Seed, steps: opts.Steps, policies: opts.Policies}
	s.configure()
	s.placeCandidates()
	npts := min(curvePts, opts.Steps)
	for c := 1; c <= npts; c++ {
		s.checkpoints = append(s.checkpoints, int(math.Round(float64(c)*float64(opts.Steps)/float64(npts))))
	}
	every := max(1, npts/postPts)
	s.postAt = make([]bool, npts)
	for c := range s.postAt {
		s.postAt[c] = (c+1)%every == 0 || c == npts-1
	}
	reps := opts.Resamples
	if reps <= 0 {
		reps = 200
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	np := len(s.policies)
	pop := setup.World.Population
	epsCuts := quartileCuts(pop.ElasticityMean, pop.ElasticitySD)
	thetaCuts := quartileCuts(pop.ThetaMean, pop.ThetaSD)

	nChunks := (opts.Learners + chunkSize - 1) / chunkSize
	results := make([]chan *acc, nChunks)
	for k := range results {
		results[k] = make(chan *acc, 1)
	}
	tokens := make(chan struct{}, 2*workers)
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := s.newScratch()
			res := learnerResult{metrics: make([][nMetrics]float64, np), curve: make([][]float64, np)}
			for p := range res.curve {
				res.curve[p] = make([]float64, npts)
			}
			weights := make([]float64, reps+1)
			for {
				select {
				case tokens <- struct{}{}:
				case <-stop:
					return
				}
				k := int(next.Add(1) - 1)
				if k >= nChunks {
					return
				}
				a := newAcc(reps+1, np, npts)
				for i := k * chunkSize; i < min((k+1)*chunkSize, opts.Learners); i++ {
					s.runLearner(sc, i, &res)
					poissonWeights(weights, opts.Seed, i)
					groups := [3]int{gAll, gEps + quartile(res.truth.eps, epsCuts), gTheta + quartile(res.truth.theta, thetaCuts)}
					for r, w := range weights {
						if w == 0 {
							continue
						}
						for _, g := range groups {
							a.w[r*nGroups+g] += w
							base := ((r*nGroups + g) * np) * nMetrics
							for p := range np {
								row := a.sums[base+p*nMetrics : base+(p+1)*nMetrics]
								for m, v := range res.metrics[p] {
									row[m] += w * v
								}
							}
						}
					}
					for p := range np {
						for c, v := range res.curve[p] {
							a.curve[p*npts+c] += v
						}
					}
					a.n++
				}
				results[k] <- a
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	total := newAcc(reps+1, np, npts)
	for k := range nChunks {
		select {
		case a := <-results[k]:
			total.add(a)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		<-tokens
	}
	return summarise(setup, s, opts, total, reps), nil
}

// poissonWeights fills w[0] = 1 and w[1:] with Poisson(1) bootstrap
// weights of learner i: the online (Poisson) bootstrap, which needs no
// learner kept in memory. Each learner's weights are its own stream, the
// same for every policy, so the intervals of differences are paired.
func poissonWeights(w []float64, seed uint64, i int) {
	w[0] = 1
	r := newRand(seed, bootstrapStream<<40+uint64(i))
	for k := 1; k < len(w); k++ {
		u := r.Float64()
		n, p := 0, math.Exp(-1)
		for f := p; u > f && n < 20; f += p {
			n++
			p /= float64(n)
		}
		w[k] = float64(n)
	}
}

// Interval is an estimate with a 95% percentile bootstrap interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// MarshalJSON writes an undefined (NaN) bound or value as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	num := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "null"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return []byte(`{"value":` + num(iv.Value) + `,"low":` + num(iv.Low) + `,"high":` + num(iv.High) + `}`), nil
}

// interval returns the point value and percentile interval of stat over
// the replicates (stat(0) is the point estimate). NaN replicates are left
// out.
func interval(reps int, stat func(r int) float64) Interval {
	vals := make([]float64, 0, reps)
	for r := 1; r <= reps; r++ {
		if v := stat(r); !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	sort.Float64s(vals)
	iv := Interval{Value: stat(0), Low: math.NaN(), High: math.NaN()}
	if len(vals) > 0 {
		iv.Low, iv.High = quantile(vals, 0.025), quantile(vals, 0.975)
	}
	return iv
}

func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
