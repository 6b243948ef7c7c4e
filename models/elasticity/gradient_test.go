package elasticity

import (
	"github.com/zpd-project/zpd/internal/numeric"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// smallProblem is a fitted-shape objective on a few simulated learners with
// every term switched on and parameters and hyperparameters set away from
// zero, so no gradient component is trivially 0.
func smallProblem(t *testing.T) (*objective, []float64) {
	t.Helper()
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 6, 25, 12, 4
	sc.Gamma = [3]float64{0.01, 0.05, 0.03}
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.Practice = PracticeLog1p
	fitting, _ := splitValidation(log, 0, 0)
	d := newDesign(log, log.Histories(), fitting, cfg)
	o := newObjective(d, cfg, 2)
	o.hyp = hyper{varB: 0.7, varD: 0.4, varBeta: 1.3, varDelt: 0.6, varRate: [nFeatures]float64{0.02, 0.05, 0.1, 0.03, 0.04, 0.06}}
	o.hyp.cov = [2][2]float64{{1.1, 0.3}, {0.3, 0.5}}
	o.hyp.prec = numeric.Inverse2(o.hyp.cov)
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, o.lay.n)
	for i := range x {
		x[i] = 0.5 * rng.NormFloat64()
	}
	return o, x
}

// smallFeedbackProblem is smallProblem with the feedback stage on.
func smallFeedbackProblem(t *testing.T) (*objective, []float64) {
	t.Helper()
	sc := defaultSim()
	sc.Learners, sc.Attempt, sc.Items, sc.Skills = 6, 25, 12, 4
	sc.Gamma = [3]float64{0.01, 0.05, 0.03}
	sc.Feedback, sc.PhiMean, sc.PhiSD, sc.FeedbackItemSD = true, 0.5, 0.4, 0.3
	log, _ := simulate(sc)
	cfg := DefaultConfig()
	cfg.FeedbackStage = true
	fitting, _ := splitValidation(log, 0, 0)
	d := newDesign(log, log.Histories(), fitting, cfg)
	o := newObjective(d, cfg, 2)
	o.hyp = hyper{varB: 0.7, varD: 0.4, varBeta: 1.3, varDelt: 0.6, varRate: [nFeatures]float64{0.02, 0.05, 0.1, 0.03, 0.04, 0.06},
		varF: 0.35, varZeta: 0.9}
	o.hyp.setCov3([3][3]float64{{1.1, 0.3, 0.2}, {0.3, 0.5, -0.1}, {0.2, -0.1, 0.8}})
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, o.lay.n)
	for i := range x {
		x[i] = 0.5 * rng.NormFloat64()
	}
	return o, x
}

// TestGradientFiniteDifference checks the analytic gradient against central
// differences of the objective's value, with and without the feedback stage.
func TestGradientFiniteDifference(t *testing.T) {
	t.Run("one support stage", func(t *testing.T) { checkFiniteDifference(t, smallProblem) })
	t.Run("feedback stage", func(t *testing.T) { checkFiniteDifference(t, smallFeedbackProblem) })
}

func checkFiniteDifference(t *testing.T, problem func(*testing.T) (*objective, []float64)) {
	o, x := problem(t)
	g := make([]float64, len(x))
	o.eval(x, g)
	scratch := make([]float64, len(x))
	const h = 1e-6
	for i := range x {
		old := x[i]
		x[i] = old + h
		fp := o.eval(x, scratch)
		x[i] = old - h
		fm := o.eval(x, scratch)
		x[i] = old
		num := (fp - fm) / (2 * h)
		if math.Abs(num-g[i]) > 1e-5*math.Max(1, math.Abs(num)) {
			t.Errorf("grad[%d] = %.8g, finite difference %.8g", i, g[i], num)
		}
	}
}

// TestGradientGorgonia checks the hand-written gradient against gorgonia's
// automatic differentiation of the same negative log posterior, written
// independently as dense linear predictors η = A·x (every term of both
// stages is linear in the parameters) and Gaussian priors ½‖W·R·x‖².
func TestGradientGorgonia(t *testing.T) {
	o, x := smallProblem(t)
	want := make([]float64, len(x))
	fWant := o.eval(x, want)

	a, y, r, w := denseProblem(o)
	n := len(x)
	g := gorgonia.NewGraph()
	xn := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(n), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(append([]float64(nil), x...)))))
	mat := func(name string, rows int, data []float64) *gorgonia.Node {
		return gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, n), gorgonia.WithName(name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(rows, n), tensor.WithBacking(data))))
	}
	vec := func(name string, data []float64) *gorgonia.Node {
		return gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(len(data)), gorgonia.WithName(name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(len(data)), tensor.WithBacking(data))))
	}
	eta := gorgonia.Must(gorgonia.Mul(mat("A", len(y), a), xn))
	nll := gorgonia.Must(gorgonia.Sub(
		gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Softplus(eta)))),
		gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(vec("y", y), eta))))))
	res := gorgonia.Must(gorgonia.Mul(mat("R", len(w), r), xn))
	pr := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(vec("w", w), gorgonia.Must(gorgonia.Square(res))))))
	half := gorgonia.NewScalar(g, tensor.Float64, gorgonia.WithName("half"), gorgonia.WithValue(0.5))
	cost := gorgonia.Must(gorgonia.Add(nll, gorgonia.Must(gorgonia.Mul(half, pr))))
	grads, err := gorgonia.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	fGot := cost.Value().Data().(float64)
	got := grads[0].Value().Data().([]float64)
	if math.Abs(fGot-fWant) > 1e-8*math.Abs(fWant) {
		t.Errorf("objective: gorgonia %.10g, hand-written %.10g", fGot, fWant)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-8*math.Max(1, math.Abs(want[i])) {
			t.Errorf("grad[%d]: gorgonia %.10g, hand-written %.10g", i, got[i], want[i])
		}
	}
}

// denseProblem writes the objective's terms as dense rows: linear predictors
// A (row-major, one row per stage of each attempt) with labels y, and prior
// residual rows R with weights w (the prior is ½ Σ w·(R·x)²).
func denseProblem(o *objective) (a, y, r, w []float64) {
	d, lay, h := o.d, o.lay, o.hyp
	n := lay.n
	row := func() []float64 { a = append(a, make([]float64, n)...); return a[len(a)-n:] }
	for u := 0; u < d.learners(); u++ {
		for i := d.learnerStart[u]; i < d.learnerStart[u+1]; i++ {
			j := int(d.item[i])
			stage1 := row()
			stage1[2*u] = 1
			stage1[lay.items+2*j] = -1
			e0, e1 := d.entStart[i], d.entStart[i+1]
			for e := e0; e < e1; e++ {
				k := int(d.entSkill[e])
				for c := 0; c < nFeatures; c++ {
					v := float64(d.entF[e][c]) / float64(e1-e0)
					stage1[lay.rates+c] += v
					stage1[lay.skillRates+nFeatures*k+c] += v
				}
			}
			if d.out[i] == IndependentSuccess {
				y = append(y, 1)
				continue
			}
			y = append(y, 0)
			stage2 := row()
			copy(stage2, stage1)
			stage2[2*u+1] = 1
			stage2[lay.items+2*j+1] = 1
			y = append(y, b2f(d.out[i] == SupportedSuccess))
		}
	}
	prior := func(weight float64) []float64 {
		r = append(r, make([]float64, n)...)
		w = append(w, weight)
		return r[len(r)-n:]
	}
	// learners: ½ eᵀPe = ½‖Lᵀe‖² with P = L·Lᵀ (Cholesky), e = x_u − μ
	l00 := math.Sqrt(h.prec[0][0])
	l10 := h.prec[1][0] / l00
	l11 := math.Sqrt(h.prec[1][1] - l10*l10)
	for u := 0; u < d.learners(); u++ {
		p := prior(1)
		p[2*u], p[lay.mean] = l00, -l00
		p[2*u+1], p[lay.mean+1] = l10, -l10
		q := prior(1)
		q[2*u+1], q[lay.mean+1] = l11, -l11
	}
	for j := 0; j < d.nItems; j++ {
		sk := d.itemSkills[d.itemSkillStart[j]:d.itemSkillStart[j+1]]
		for c, v := range []float64{h.varB, h.varD} {
			p := prior(1 / v)
			p[lay.items+2*j+c] = 1
			for _, k := range sk {
				p[lay.skills+2*int(k)+c] -= 1 / float64(len(sk))
			}
		}
	}
	for k := 0; k < d.nSkills; k++ {
		prior(1 / h.varBeta)[lay.skills+2*k] = 1
		prior(1 / h.varDelt)[lay.skills+2*k+1] = 1
		for c := 0; c < nFeatures; c++ {
			prior(1 / h.varRate[c])[lay.skillRates+nFeatures*k+c] = 1
		}
	}
	for i := lay.rates; i < n; i++ {
		prior(flatPrec)[i] = 1
	}
	return a, y, r, w
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
