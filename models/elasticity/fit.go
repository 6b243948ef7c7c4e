package elasticity

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"

	"github.com/zpd-project/zpd/datasets"
)

// Fit fits an elasticity model on train: MAP of all learner, item, skill and
// learning effects given the prior variances (L-BFGS, analytic gradients),
// alternating with re-estimating the variances from the effects and their
// Laplace variances (empirical Bayes). With cfg.ValidationFraction > 0 a
// share of learners (chosen by hashing id and seed) is held out and the
// round with the best online log-loss on them is kept. progress may be nil.
func Fit(ctx context.Context, train *datasets.Log, cfg Config, seed int64, progress func(float64)) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if train.Len() == 0 {
		return nil, errors.New("elasticity fit: empty training log")
	}
	hist := train.Histories()
	fitting, validation := splitValidation(train, cfg.ValidationFraction, seed)
	d := newDesign(train, hist, fitting, cfg.Practice)
	threads := cfg.Threads
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	f := newFitter(d, cfg, threads)
	var val *validator
	if len(validation) > 0 {
		val = &validator{log: train, hist: hist, learners: validation}
	}
	best, bestLoss, worse := (*Params)(nil), math.Inf(1), 0
	for round := 0; round < cfg.OuterIterations; round++ {
		if err := f.round(ctx); err != nil {
			return nil, fmt.Errorf("elasticity fit: round %d: %w", round, err)
		}
		changed := f.updateHyper()
		if progress != nil {
			progress(float64(round+1) / float64(cfg.OuterIterations))
		}
		if val == nil {
			if changed < hyperTol {
				break
			}
			continue
		}
		p := f.params(train)
		loss, err := val.loss(p)
		if err != nil {
			return nil, err
		}
		if loss < bestLoss-1e-6 {
			best, bestLoss, worse = p, loss, 0
		} else if worse++; worse >= cfg.Patience {
			break
		}
		if changed < hyperTol {
			break
		}
	}
	if best == nil {
		best = f.params(train)
	}
	return NewModel(best)
}

// hyperTol ends the empirical-Bayes rounds when no prior SD moves by more
// than this fraction.
const hyperTol = 2e-3

// splitValidation divides the log's learners into fitting and validation
// learners by a seeded FNV-1a hash of the learner id, so the split does not
// depend on log order.
func splitValidation(log *datasets.Log, frac float64, seed int64) (fitting, validation []int32) {
	for u, id := range log.Learners.IDs() {
		if frac > 0 {
			h := fnv.New64a()
			var s [8]byte
			for i := range s {
				s[i] = byte(seed >> (8 * i))
			}
			h.Write(s[:])
			h.Write([]byte(id))
			if float64(h.Sum64()>>11)/float64(1<<53) < frac {
				validation = append(validation, int32(u))
				continue
			}
		}
		fitting = append(fitting, int32(u))
	}
	if len(fitting) == 0 { // never fit on nothing
		fitting, validation = validation, nil
	}
	return fitting, validation
}

// fitter holds the state of one fit: the parameter vector, its gradient, the
// objective and the optimiser.
type fitter struct {
	d      *design
	cfg    Config
	obj    *objective
	opt    *lbfgs
	x, g   []float64
	diag   []float64
	shCurv []float64
	rounds int
}

func newFitter(d *design, cfg Config, threads int) *fitter {
	obj := newObjective(d, cfg, threads)
	lay := obj.lay
	f := &fitter{d: d, cfg: cfg, obj: obj, opt: newLBFGS(lay.n, 10),
		x: make([]float64, lay.n), g: make([]float64, lay.n), diag: make([]float64, lay.n),
		shCurv: make([]float64, lay.n-lay.shared)}
	obj.hyp = hyper{
		cov:     [2][2]float64{{1, 0}, {0, 1}},
		prec:    [2][2]float64{{1, 0}, {0, 1}},
		varB:    1,
		varD:    1,
		varBeta: 1, varDelt: 1,
		varRate: [3]float64{0.01, 0.01, 0.01},
	}
	// start the population means at the observed success rates
	var n1, s1, n2, s2 float64
	for _, o := range d.out {
		n1++
		if o == IndependentSuccess {
			s1++
			continue
		}
		n2++
		if o == SupportedSuccess {
			s2++
		}
	}
	f.x[lay.mean] = logit((s1 + 0.5) / (n1 + 1))
	f.x[lay.mean+1] = logit((s2+0.5)/(n2+1)) - f.x[lay.mean]
	for u := 0; u < d.learners(); u++ {
		f.x[2*u], f.x[2*u+1] = f.x[lay.mean], f.x[lay.mean+1]
	}
	return f
}

// round optimises all effects for the current hyperparameters.
func (f *fitter) round(ctx context.Context) error {
	f.obj.preconditioner(f.x, f.shCurv, f.diag)
	fx := f.obj.eval(f.x, f.g)
	f.opt.reset()
	_, _, err := f.opt.minimize(ctx, f.obj.eval, f.x, f.g, fx, f.diag, f.cfg.InnerIterations, f.cfg.Tolerance)
	f.rounds++
	return err
}

// updateHyper re-estimates the prior variances from the current effects and
// their Laplace variances (the M-step of a Laplace-approximate EM) and
// returns the largest relative change of a prior SD.
func (f *fitter) updateHyper() float64 {
	o, d, lay, x := f.obj, f.d, f.obj.lay, f.x
	h := &o.hyp
	old := *h
	o.curvature(x, f.shCurv)
	minVar := f.cfg.MinSD * f.cfg.MinSD

	mu := [2]float64{x[lay.mean], x[lay.mean+1]}
	var s [2][2]float64
	nU := d.learners()
	for u := 0; u < nU; u++ {
		c := o.ucurv[u]
		a := [2][2]float64{{c[0] + h.prec[0][0], c[1] + h.prec[0][1]}, {c[1] + h.prec[1][0], c[2] + h.prec[1][1]}}
		inv := inverse2(a)
		e0, e1 := x[2*u]-mu[0], x[2*u+1]-mu[1]
		s[0][0] += e0*e0 + inv[0][0]
		s[0][1] += e0*e1 + inv[0][1]
		s[1][1] += e1*e1 + inv[1][1]
	}
	if nU > 0 {
		n := float64(nU)
		cov := [2][2]float64{{s[0][0] / n, s[0][1] / n}, {s[0][1] / n, s[1][1] / n}}
		cov[0][0] = math.Max(cov[0][0], minVar)
		cov[1][1] = math.Max(cov[1][1], minVar)
		if lim := maxCorr * math.Sqrt(cov[0][0]*cov[1][1]); math.Abs(cov[0][1]) > lim {
			cov[0][1] = math.Copysign(lim, cov[0][1])
		}
		cov[1][0] = cov[0][1]
		h.cov, h.prec = cov, inverse2(cov)
	}

	// items around their skill means
	var sb, sd, nb float64
	for j := 0; j < d.nItems; j++ {
		if d.itemRows[j] == 0 {
			continue
		}
		bBar, dBar := f.skillMean(j)
		rb, rd := x[lay.items+2*j]-bBar, x[lay.items+2*j+1]-dBar
		sb += rb*rb + 1/(f.shCurv[lay.items+2*j-lay.shared]+1/h.varB)
		sd += rd*rd + 1/(f.shCurv[lay.items+2*j+1-lay.shared]+1/h.varD)
		nb++
	}
	if nb > 0 {
		h.varB = math.Max(sb/nb, minVar)
		if f.cfg.ItemSupport {
			h.varD = math.Max(sd/nb, minVar)
		}
	}
	// skill means and skill learning deviations
	skillPrec := o.skillPriorCurvature()
	var sBeta, sDelt, nK float64
	var sRate [3]float64
	var nRate float64
	for k := 0; k < d.nSkills; k++ {
		if skillPrec[k] > 0 {
			b, dl := x[lay.skills+2*k], x[lay.skills+2*k+1]
			sBeta += b*b + 1/(skillPrec[k]/old.varB+1/old.varBeta)
			sDelt += dl*dl + 1/(skillPrec[k]/old.varD+1/old.varDelt)
			nK++
		}
		if d.skillEntries[k] > 0 {
			for c := 0; c < 3; c++ {
				i := lay.skillRates + 3*k + c
				v := x[i]
				sRate[c] += v*v + 1/(f.shCurv[i-lay.shared]+1/old.varRate[c])
			}
			nRate++
		}
	}
	if nK > 0 {
		h.varBeta = math.Max(sBeta/nK, minVar)
		if f.cfg.ItemSupport {
			h.varDelt = math.Max(sDelt/nK, minVar)
		}
	}
	if nRate > 0 && f.cfg.Learning && f.cfg.SkillLearning {
		for c := 0; c < 3; c++ {
			h.varRate[c] = math.Max(sRate[c]/nRate, minVar*minVar)
		}
	}
	return maxRelChange(&old, h)
}

// maxCorr bounds the prior correlation of θ and ε away from ±1.
const maxCorr = 0.98

// skillMean returns the prior means of item j's difficulty and support effect.
func (f *fitter) skillMean(j int) (b, d float64) {
	sk := f.d.itemSkills[f.d.itemSkillStart[j]:f.d.itemSkillStart[j+1]]
	if len(sk) == 0 {
		return 0, 0
	}
	for _, k := range sk {
		b += f.x[f.obj.lay.skills+2*int(k)]
		d += f.x[f.obj.lay.skills+2*int(k)+1]
	}
	return b / float64(len(sk)), d / float64(len(sk))
}

func maxRelChange(a, b *hyper) float64 {
	pairs := [][2]float64{
		{a.cov[0][0], b.cov[0][0]}, {a.cov[1][1], b.cov[1][1]},
		{a.varB, b.varB}, {a.varD, b.varD}, {a.varBeta, b.varBeta}, {a.varDelt, b.varDelt},
		{a.varRate[0], b.varRate[0]}, {a.varRate[1], b.varRate[1]}, {a.varRate[2], b.varRate[2]},
	}
	m := 0.0
	for _, p := range pairs {
		m = math.Max(m, math.Abs(math.Sqrt(p[1])/math.Sqrt(p[0])-1))
	}
	c := math.Abs(a.cov[0][1]/math.Sqrt(a.cov[0][0]*a.cov[1][1]) - b.cov[0][1]/math.Sqrt(b.cov[0][0]*b.cov[1][1]))
	return math.Max(m, c)
}

func inverse2(a [2][2]float64) [2][2]float64 {
	det := a[0][0]*a[1][1] - a[0][1]*a[1][0]
	return [2][2]float64{{a[1][1] / det, -a[0][1] / det}, {-a[1][0] / det, a[0][0] / det}}
}

// params freezes the current population parameters into a Params.
func (f *fitter) params(log *datasets.Log) *Params {
	lay, x, d, h := f.obj.lay, f.x, f.d, &f.obj.hyp
	p := &Params{
		Format: FormatName, Version: FormatVersion, Config: f.cfg,
		Mean:            [2]float64{x[lay.mean], x[lay.mean+1]},
		Cov:             h.cov,
		Items:           append([]string(nil), log.Items.IDs()...),
		ItemSkillStart:  append([]int32(nil), d.itemSkillStart...),
		ItemSkills:      append([]int32(nil), d.itemSkills...),
		Difficulty:      make([]float64, d.nItems),
		SupportEffect:   make([]float64, d.nItems),
		Skills:          append([]string(nil), log.SkillIDs.IDs()...),
		SkillDifficulty: make([]float64, d.nSkills),
		SkillSupport:    make([]float64, d.nSkills),
		SkillRates:      make([][3]float64, d.nSkills),
		ItemSD:          math.Sqrt(h.varB),
		SupportSD:       math.Sqrt(h.varD),
	}
	if !f.cfg.ItemSupport {
		p.SupportSD = 0
	}
	copy(p.Rates[:], x[lay.rates:lay.rates+3])
	for j := range p.Difficulty {
		p.Difficulty[j] = x[lay.items+2*j]
		p.SupportEffect[j] = x[lay.items+2*j+1]
	}
	for k := range p.SkillDifficulty {
		p.SkillDifficulty[k] = x[lay.skills+2*k]
		p.SkillSupport[k] = x[lay.skills+2*k+1]
		copy(p.SkillRates[k][:], x[lay.skillRates+3*k:lay.skillRates+3*k+3])
	}
	return p
}

// learnerEffects returns the fitted (θ, ε) of the fitting learners, in the
// order they were given to the design (for recovery tests and benchmarks).
func (f *fitter) learnerEffects() [][2]float64 {
	out := make([][2]float64, f.d.learners())
	for u := range out {
		out[u] = [2]float64{f.x[2*u], f.x[2*u+1]}
	}
	return out
}

// validator scores held-out training learners online, as the evaluation
// protocol does, to pick the fitting round.
type validator struct {
	log      *datasets.Log
	hist     [][]int32
	learners []int32
}

// loss is the mean online log-loss of independent success plus that of
// success with support on attempts failed alone.
func (v *validator) loss(p *Params) (float64, error) {
	m, err := NewModel(p)
	if err != nil {
		return 0, err
	}
	sc := NewScorer(m)
	res := NewLogResolver(m, v.log)
	var h History
	var skills []int32
	var ll float64
	var n int
	for _, u := range v.learners {
		h.Reset()
		for _, r := range v.hist[u] {
			sc.Score(&h)
			skills = res.Skills(skills[:0], int(r))
			rd := sc.Readiness(res.Item(int(r)), skills)
			ll += logLoss(v.log.Independent[r], rd.Independent.Value)
			if !v.log.Independent[r] {
				ll += logLoss(v.log.Supported[r], rd.Supported.Value)
			}
			n++
			res.Append(&h, int(r))
		}
	}
	if n == 0 {
		return 0, nil
	}
	return ll / float64(n), nil
}

func logLoss(y bool, p float64) float64 {
	p = math.Min(math.Max(p, 1e-15), 1-1e-15)
	if y {
		return -math.Log(p)
	}
	return -math.Log(1 - p)
}
