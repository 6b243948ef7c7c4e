package elasticity

import (
	"context"
	"errors"
	"fmt"
	"github.com/zpd-project/zpd/internal/numeric"
	"hash/fnv"
	"math"
	"runtime"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// Fit fits an elasticity model on train: MAP of all learner, item, skill and
// learning effects given the prior variances (preconditioned L-BFGS with
// analytic gradients), with the variances re-estimated from the effects and
// their Laplace variances as the optimiser goes (empirical Bayes). With
// cfg.ValidationFraction > 0 a share of learners (chosen by hashing id and
// seed) is held out and the iterate with the best online log-loss on them
// is kept. progress may be nil.
func Fit(ctx context.Context, train *datasets.Log, cfg Config, seed int64, progress func(float64)) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if train.Len() == 0 {
		return nil, errors.New("elasticity fit: empty training log")
	}
	hist := train.Histories()
	fitting, validation := splitValidation(train, cfg.ValidationFraction, seed)
	d := newDesign(train, hist, fitting, cfg)
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
	check := func() (stop bool, err error) {
		if progress != nil {
			progress(float64(f.iter) / float64(cfg.MaxIterations))
		}
		if val == nil {
			return false, nil
		}
		p := f.params(train)
		loss, err := val.loss(p)
		if err != nil {
			return false, err
		}
		if loss < bestLoss-1e-6 {
			best, bestLoss, worse = p, loss, 0
			return false, nil
		}
		worse++
		return worse >= cfg.Patience, nil
	}
	if err := f.run(ctx, check); err != nil {
		return nil, fmt.Errorf("elasticity fit: %w", err)
	}
	if best == nil || val == nil {
		best = f.params(train)
	} else if loss, err := val.loss(f.params(train)); err == nil && loss < bestLoss {
		best = f.params(train)
	} else {
		f.report.Converged, f.report.Stop = false, "early_stopping"
	}
	rep := f.report
	best.Fit = &rep
	return NewModel(best)
}

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

// fitter holds the state of one fit: the parameter vector, the likelihood
// gradient and full gradient there, the objective and the L-BFGS memory.
type fitter struct {
	d       *design
	cfg     Config
	obj     *objective
	x, gl   []float64 // current point and likelihood gradient there
	g       []float64 // gradient of the negative log posterior at x
	diag    []float64 // preconditioner
	x1, gl1 []float64 // trial point
	g1, dir []float64
	mem     *memory
	iter    int
	hyperOn bool    // empirical-Bayes updates have started
	change  float64 // last hyperparameter change
	report  FitReport
}

func newFitter(d *design, cfg Config, threads int) *fitter {
	obj := newObjective(d, cfg, threads)
	n := obj.lay.n
	vec := func() []float64 { return make([]float64, n) }
	f := &fitter{d: d, cfg: cfg, obj: obj, x: vec(), gl: vec(), g: vec(), diag: vec(),
		x1: vec(), gl1: vec(), g1: vec(), dir: vec(), mem: newMemory(n, lbfgsMemory), change: math.Inf(1)}
	obj.hyp = hyper{
		cov:     [2][2]float64{{1, 0}, {0, 1}},
		prec:    [2][2]float64{{1, 0}, {0, 1}},
		varB:    1,
		varD:    1,
		varBeta: 1, varDelt: 1,
		varRate: [nFeatures]float64{0.01, 0.01, 0.01, 0.01, 0.01, 0.01},
		varF:    1, varZeta: 1,
	}
	if obj.lay.feedback() {
		obj.hyp.setCov3([3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	}
	// start the population means at the observed success rates of each
	// stage
	var n1, s1, n2, s2, nF, sF float64
	for r, o := range d.out {
		n1++
		if o == IndependentSuccess {
			s1++
			continue
		}
		if obj.lay.feedback() {
			nF++
			if d.feedbackSuccess(int32(r)) {
				sF++
				continue
			}
		}
		n2++
		if o == SupportedSuccess {
			s2++
		}
	}
	lay := obj.lay
	f.x[lay.mean] = numeric.Logit((s1 + 0.5) / (n1 + 1))
	f.x[lay.mean+1] = numeric.Logit((s2+0.5)/(n2+1)) - f.x[lay.mean]
	for u := 0; u < d.learners(); u++ {
		f.x[2*u], f.x[2*u+1] = f.x[lay.mean], f.x[lay.mean+1]
	}
	if lay.feedback() {
		f.x[lay.fMean] = numeric.Logit((sF+0.5)/(nF+1)) - f.x[lay.mean]
		for u := 0; u < d.learners(); u++ {
			f.x[lay.phi+u] = f.x[lay.fMean]
		}
	}
	return f
}

const (
	lbfgsMemory = 10
	// hyperWarmup is the number of L-BFGS iterations before the first
	// variance update: the effects must move off the prior means first, or
	// the update would shrink every variance toward the Laplace variances.
	hyperWarmup = 8
	// hyperStart starts the variance updates earlier once the predicted
	// decrease per attempt falls below it.
	hyperStart = 1e-3
	// rateCurvEvery is how often (in iterations) the learning rates'
	// curvature is refreshed.
	rateCurvEvery = 4
	// checkEvery is how often (in iterations) progress and the validation
	// loss are checked.
	checkEvery = 10
)

// run minimises the negative log posterior by L-BFGS, re-estimating the
// prior variances at every iteration after the warm-up (a generalised EM:
// each E-step is one quasi-Newton step). It ends when the predicted decrease
// per attempt is below cfg.Tolerance and no prior SD moved by more than
// cfg.HyperTolerance, at cfg.MaxIterations, or when check says so.
func (f *fitter) run(ctx context.Context, check func() (bool, error)) error {
	o := f.obj
	o.likelihood(f.x, f.gl, false, true)
	rows := float64(max(f.d.rows(), 1))
	f.report = FitReport{Stop: "max_iterations", Attempts: f.d.rows(), HyperChange: map[string]float64{}}
	prev := f.hyper()
	decrease := math.Inf(1)
	for f.iter = 0; f.iter < f.cfg.MaxIterations; f.iter++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.hyperOn || f.iter >= hyperWarmup {
			f.hyperOn = true
			f.updateHyper()
			o.updateKappa()
			h := f.hyper()
			f.report.HyperChange = prev.changes(h)
			f.change = 0
			for _, c := range f.report.HyperChange {
				f.change = math.Max(f.change, c)
			}
			prev = h
		}
		f.fullGradient(f.x, f.gl, f.g)
		o.preconditioner(f.diag)
		f.direction()
		slope := dot(f.g, f.dir)
		if !(slope < 0) {
			f.mem.reset()
			f.direction()
			slope = dot(f.g, f.dir)
		}
		decrease = -slope / 2 / rows
		if !f.hyperOn && decrease < hyperStart {
			f.hyperOn = true
			continue // update the variances before stepping
		}
		settled := f.hyperOn && f.change < f.cfg.HyperTolerance
		if settled && decrease < f.cfg.Tolerance {
			f.report.Converged, f.report.Stop = true, "converged"
			break
		}
		if !(slope < 0) { // stationary to machine precision
			f.report.Converged, f.report.Stop = settled, "stationary"
			break
		}
		value, ok := f.lineSearch(slope, f.iter%traceEvery == 0)
		if !ok {
			f.report.Stop = "line_search"
			break
		}
		f.trace(value, decrease)
		if (f.iter+1)%checkEvery == 0 {
			if stop, err := check(); err != nil || stop {
				f.finish(decrease)
				if stop {
					f.report.Stop = "early_stopping"
				}
				return err
			}
		}
	}
	f.finish(decrease)
	_, err := check()
	return err
}

// hyper returns the current population parameters.
func (f *fitter) hyper() Hyper {
	lay := f.obj.lay
	h := hyperOf(&f.obj.hyp, [2]float64{f.x[lay.mean], f.x[lay.mean+1]})
	if lay.feedback() {
		c := &f.obj.hyp.cov3
		sd := math.Sqrt(c[2][2])
		h.Feedback = &FeedbackHyper{Mean: f.x[lay.fMean], SD: sd,
			CorrAbility: c[0][2] / (sd * math.Sqrt(c[0][0])), CorrElasticity: c[1][2] / (sd * math.Sqrt(c[1][1])),
			ItemSD: math.Sqrt(f.obj.hyp.varF), SkillSD: math.Sqrt(f.obj.hyp.varZeta)}
	}
	return h
}

// trace records the iteration just taken; value is the objective at the
// new point, NaN when it was not evaluated.
func (f *fitter) trace(value, decrease float64) {
	tp := TracePoint{Iteration: f.iter + 1, Decrease: decrease, Hyper: f.hyper()}
	if !math.IsNaN(value) {
		v := value / float64(max(f.d.rows(), 1))
		tp.Objective = &v
	}
	f.report.Trace = append(f.report.Trace, tp)
}

// finish completes the report at the final point: the objective there (one
// more pass over the data), the gradient norm and the last decrease.
func (f *fitter) finish(decrease float64) {
	rows := float64(max(f.d.rows(), 1))
	r := &f.report
	r.Iterations, r.Decrease = f.iter, decrease
	if math.IsInf(decrease, 0) {
		r.Decrease = 0
	}
	r.GradientNorm = math.Sqrt(dot(f.g, f.g)) / rows
	value := f.obj.likelihood(f.x, f.gl1, true, false) + f.obj.prior(f.x, f.gl1)
	// the last point is where the last step ended (the hyper-parameters
	// may have moved since): complete it, or start the trace there
	if n := len(r.Trace); n > 0 && r.Trace[n-1].Iteration == f.iter {
		r.Trace = r.Trace[:n-1]
	}
	f.trace(value, decrease)
	r.Trace[len(r.Trace)-1].Iteration = f.iter
	r.Evaluations = f.obj.evals
}

// direction sets f.dir to the preconditioned L-BFGS direction at the
// current (projected) gradient, projected again so that the step keeps the
// item effects centred. It is a descent direction: the gradient is already
// projected, and the projection is symmetric.
func (f *fitter) direction() {
	f.mem.direction(f.g, f.diag, f.dir)
	f.obj.centre(f.dir)
}

// fullGradient sets g to the gradient of the negative log posterior given
// the likelihood gradient gl at x, and returns the prior's part of the
// objective.
func (f *fitter) fullGradient(x, gl, g []float64) float64 {
	copy(g, gl)
	v := f.obj.prior(x, g)
	f.obj.mask(g)
	f.obj.centre(g)
	return v
}

// lineSearch steps from x along dir. The objective is convex (every
// predictor is linear in the parameters, the priors are Gaussian), so the
// directional derivative alone tells whether a step overshot: a step is
// accepted when the derivative there is ≤ ½|slope| (for a convex, near-
// quadratic function this guarantees a decrease), else it is shortened by
// the secant root of the derivative. The accepted point becomes x, and the
// L-BFGS memory takes the step.
func (f *fitter) lineSearch(slope float64, withValue bool) (value float64, ok bool) {
	step := 1.0
	for ls := 0; ls < 30; ls++ {
		for i := range f.x {
			f.x1[i] = f.x[i] + step*f.dir[i]
		}
		value = f.obj.likelihood(f.x1, f.gl1, withValue, f.iter%rateCurvEvery == 0)
		value += f.fullGradient(f.x1, f.gl1, f.g1)
		d1 := dot(f.g1, f.dir)
		if d1 <= 0.5*-slope && !math.IsNaN(d1) {
			f.mem.push(f.x1, f.x, f.g1, f.g)
			f.x, f.x1 = f.x1, f.x
			f.gl, f.gl1 = f.gl1, f.gl
			f.g, f.g1 = f.g1, f.g
			if !withValue {
				value = math.NaN()
			}
			return value, true
		}
		next := step * -slope / (d1 - slope) // root of the secant of φ'
		if math.IsNaN(next) || next < 0.1*step {
			next = 0.1 * step
		} else if next > 0.9*step {
			next = 0.9 * step
		}
		step = next
	}
	return math.NaN(), false
}

// updateHyper re-estimates the prior variances from the current effects and
// their Laplace variances (the M-step of a Laplace-approximate EM).
func (f *fitter) updateHyper() {
	o, d, lay, x := f.obj, f.d, f.obj.lay, f.x
	h := &o.hyp
	old := *h
	shCurv := o.shCurv
	minVar := f.cfg.MinSD * f.cfg.MinSD

	if lay.feedback() {
		f.updateCov3(old, minVar)
	} else {
		f.updateCov(old, minVar)
	}

	// items around their skill means
	var sb, sd, nb float64
	for j := 0; j < d.nItems; j++ {
		if d.itemRows[j] == 0 {
			continue
		}
		bBar, dBar := skillMeans(x, lay, d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]])
		rb, rd := x[lay.items+2*j]-bBar, x[lay.items+2*j+1]-dBar
		sb += rb*rb + 1/(shCurv[lay.items+2*j-lay.shared]+1/old.varB)
		sd += rd*rd + 1/(shCurv[lay.items+2*j+1-lay.shared]+1/old.varD)
		nb++
	}
	if nb > 0 {
		h.varB = relax(old.varB, sb/nb, minVar)
		if f.cfg.ItemSupport {
			h.varD = relax(old.varD, sd/nb, minVar)
		}
	}
	// skill means and skill learning deviations
	var sBeta, sDelt, nK, nRate float64
	var sRate [nFeatures]float64
	for k := 0; k < d.nSkills; k++ {
		if pin := d.skillPin[k]; pin > 0 {
			b, dl := x[lay.skills+2*k], x[lay.skills+2*k+1]
			sBeta += b*b + 1/(pin/old.varB+1/old.varBeta)
			sDelt += dl*dl + 1/(pin/old.varD+1/old.varDelt)
			nK++
		}
		if d.skillEntries[k] > 0 {
			for c := 0; c < nFeatures; c++ {
				i := lay.skillRates + nFeatures*k + c
				sRate[c] += x[i]*x[i] + 1/(shCurv[i-lay.shared]+1/old.varRate[c])
			}
			nRate++
		}
	}
	if nK > 0 {
		h.varBeta = relax(old.varBeta, sBeta/nK, minVar)
		if f.cfg.ItemSupport {
			h.varDelt = relax(old.varDelt, sDelt/nK, minVar)
		}
	}
	if lay.feedback() && f.cfg.ItemSupport {
		f.updateFeedbackItems(&old, minVar)
	}
	if nRate > 0 && f.cfg.Learning && f.cfg.SkillLearning {
		for c := 0; c < nFeatures; c++ {
			h.varRate[c] = relax(old.varRate[c], sRate[c]/nRate, minVar*minVar)
		}
	}
}

// updateCov re-estimates the population covariance of (θ, ε): the EM
// update mean_u[(x_u + κ_u − μ)(x_u + κ_u − μ)ᵀ + S_u], variances
// over-relaxed, the correlation bounded by maxCorr.
func (f *fitter) updateCov(old hyper, minVar float64) {
	o, lay, x, h := f.obj, f.obj.lay, f.x, &f.obj.hyp
	mu := [2]float64{x[lay.mean], x[lay.mean+1]}
	var s [2][2]float64
	nU := f.d.learners()
	for u := 0; u < nU; u++ {
		c := o.ucurv[u]
		a := [2][2]float64{{c[0] + h.prec[0][0], c[1] + h.prec[0][1]}, {c[1] + h.prec[1][0], c[2] + h.prec[1][1]}}
		inv := numeric.Inverse2(a)
		k := skewShift(c, o.uskew[u], h.prec)
		e0, e1 := x[2*u]+k[0]-mu[0], x[2*u+1]+k[1]-mu[1]
		s[0][0] += e0*e0 + inv[0][0]
		s[0][1] += e0*e1 + inv[0][1]
		s[1][1] += e1*e1 + inv[1][1]
	}
	if nU == 0 {
		return
	}
	n := float64(nU)
	corr := s[0][1] / math.Sqrt(s[0][0]*s[1][1])
	var cov [2][2]float64
	cov[0][0] = relax(old.cov[0][0], s[0][0]/n, minVar)
	cov[1][1] = relax(old.cov[1][1], s[1][1]/n, minVar)
	cov[0][1] = corr * math.Sqrt(cov[0][0]*cov[1][1])
	if lim := maxCorr * math.Sqrt(cov[0][0]*cov[1][1]); math.Abs(cov[0][1]) > lim {
		cov[0][1] = math.Copysign(lim, cov[0][1])
	}
	cov[1][0] = cov[0][1]
	h.cov, h.prec = cov, numeric.Inverse2(cov)
}

// updateCov3 is updateCov for (θ, ε, φ) under the feedback stage: each
// correlation takes its EM value bounded by maxCorr, and all three shrink
// together until the matrix is positive definite.
func (f *fitter) updateCov3(old hyper, minVar float64) {
	o, lay, x := f.obj, f.obj.lay, f.x
	mu := [3]float64{x[lay.mean], x[lay.mean+1], x[lay.fMean]}
	var s [3][3]float64
	nU := f.d.learners()
	for u := 0; u < nU; u++ {
		cov, k := o.laplace3(u)
		e := [3]float64{x[2*u] + k[0] - mu[0], x[2*u+1] + k[1] - mu[1], x[lay.phi+u] + k[2] - mu[2]}
		for i := range e {
			for j := range e {
				s[i][j] += e[i]*e[j] + cov[i][j]
			}
		}
	}
	if nU == 0 {
		return
	}
	n := float64(nU)
	var sd [3]float64
	for i := range sd {
		sd[i] = math.Sqrt(relax(old.cov3[i][i], s[i][i]/n, minVar))
	}
	var corr [3][3]float64
	for i := range corr {
		for j := range corr {
			corr[i][j] = max(min(s[i][j]/math.Sqrt(s[i][i]*s[j][j]), maxCorr), -maxCorr)
		}
		corr[i][i] = 1
	}
	for shrink := 1.0; ; shrink *= 0.9 {
		var c [3][3]float64
		for i := range c {
			c[i][i] = sd[i] * sd[i]
			for j := 0; j < i; j++ {
				c[i][j] = shrink * corr[i][j] * sd[i] * sd[j]
				c[j][i] = c[i][j]
			}
		}
		if _, ok := sigmaPoints([3]float64{}, c); ok || shrink < 1e-3 {
			o.hyp.setCov3(c)
			return
		}
	}
}

// updateFeedbackItems re-estimates σ_f (items' feedback effects around
// their skill means) and σ_ζ (skill means around 0), as for σ_d and σ_δ.
func (f *fitter) updateFeedbackItems(old *hyper, minVar float64) {
	o, d, lay, x := f.obj, f.d, f.obj.lay, f.x
	var sf, nf, sz, nz float64
	for j := 0; j < d.nItems; j++ {
		if d.itemRows[j] == 0 {
			continue
		}
		r := x[lay.fItems+j] - feedbackSkillMean(x, lay, d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]])
		sf += r*r + 1/(o.shCurv[lay.fItems+j-lay.shared]+1/old.varF)
		nf++
	}
	for k := 0; k < d.nSkills; k++ {
		if pin := d.skillPin[k]; pin > 0 {
			z := x[lay.fSkills+k]
			sz += z*z + 1/(pin/old.varF+1/old.varZeta)
			nz++
		}
	}
	if nf > 0 {
		o.hyp.varF = relax(old.varF, sf/nf, minVar)
	}
	if nz > 0 {
		o.hyp.varZeta = relax(old.varZeta, sz/nz, minVar)
	}
}

// emOverRelax over-relaxes each variance update in log space: EM moves
// variances slowly when the data say little about them (and toward zero,
// sublinearly), and stepping ω times as far converges to the same fixed
// point in far fewer iterations.
const emOverRelax = 1.5

// relax returns the over-relaxed update old·(em/old)^ω, floored.
func relax(old, em, floor float64) float64 {
	if !(old > 0) || !(em > 0) {
		return math.Max(em, floor)
	}
	return math.Max(old*math.Pow(em/old, emOverRelax), floor)
}

// maxCorr bounds the prior correlation of θ and ε away from ±1.
const maxCorr = 0.98

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
		SkillRates:      make([][nFeatures]float64, d.nSkills),
		ItemSD:          math.Sqrt(h.varB),
		SupportSD:       math.Sqrt(h.varD),
	}
	if !f.cfg.ItemSupport {
		p.SupportSD = 0
	}
	copy(p.Rates[:], x[lay.rates:lay.rates+nFeatures])
	if lay.feedback() {
		p.Version = FormatVersionFeedback
		p.Feedback = &FeedbackParams{
			Mean: x[lay.fMean], Cov: h.cov3, ItemSD: math.Sqrt(h.varF),
			ItemEffect:  append([]float64(nil), x[lay.fItems:lay.fItems+d.nItems]...),
			SkillEffect: append([]float64(nil), x[lay.fSkills:lay.fSkills+d.nSkills]...),
		}
		if !f.cfg.ItemSupport {
			p.Feedback.ItemSD = 0
		}
	}
	for j := range p.Difficulty {
		p.Difficulty[j] = x[lay.items+2*j]
		p.SupportEffect[j] = x[lay.items+2*j+1]
	}
	for k := range p.SkillDifficulty {
		p.SkillDifficulty[k] = x[lay.skills+2*k]
		p.SkillSupport[k] = x[lay.skills+2*k+1]
		copy(p.SkillRates[k][:], x[lay.skillRates+nFeatures*k:][:nFeatures])
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
	res := features.NewLogResolver(m.ix, v.log)
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
			ll += numeric.LogLoss(v.log.Independent[r], rd.Independent.Value)
			if !v.log.Independent[r] {
				ll += numeric.LogLoss(v.log.Supported[r], rd.Supported.Value)
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
