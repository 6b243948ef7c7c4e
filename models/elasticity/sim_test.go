package elasticity

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/zpd-project/zpd/datasets"
)

// simConfig is a tiny test-only generator of the model's own story: (θ, ε)
// bivariate normal, items with one or two skills and difficulty around the
// skill mean, random item assignment, stage 2 with g = 1, and optional
// linear learning on skill practice counts (as datasets/simulate does).
type simConfig struct {
	Seed              uint64
	Learners, Attempt int // learners, attempts per learner
	Items, Skills     int
	ThetaSD, EpsMean  float64
	EpsSD, Corr       float64
	ItemSD            float64
	// SupportSD is the SD of the items' support effects d_j (0: support
	// helps every item alike).
	SupportSD float64
	Gamma     [3]float64 // by Outcome: failed, supported, independent
	// Feedback generates the feedback stage: after failing alone a learner
	// first succeeds after feedback with P = σ(η + φ + f_j) (no hint),
	// else takes hints and succeeds with P = σ(η + ε + d_j). φ ~
	// N(PhiMean, PhiSD²) independent of (θ, ε); f_j ~ N(0, FeedbackItemSD²).
	Feedback                       bool
	PhiMean, PhiSD, FeedbackItemSD float64
}

func defaultSim() simConfig {
	return simConfig{Seed: 1, Learners: 300, Attempt: 100, Items: 200, Skills: 10,
		ThetaSD: 1, EpsMean: 1, EpsSD: 0.5, ItemSD: 0.5}
}

// simTruth is what the generator drew.
type simTruth struct {
	Theta, Eps []float64 // by learner index (= log learner index)
	B          []float64 // by item index (= log item index, items interned in order)
	D          []float64 // item support effects, by item index
	Phi, F     []float64 // feedback effects of learners and items (Feedback only)
}

func simulate(c simConfig) (*datasets.Log, *simTruth) {
	rng := rand.New(rand.NewPCG(c.Seed, 7))
	tr := &simTruth{}
	skillMean := make([]float64, c.Skills)
	for k := range skillMean {
		skillMean[k] = rng.NormFloat64()
	}
	itemSkills := make([][]int, c.Items)
	for j := range itemSkills {
		k := rng.IntN(c.Skills)
		itemSkills[j] = []int{k}
		m := skillMean[k]
		if rng.Float64() < 0.3 {
			k2 := (k + 1 + rng.IntN(c.Skills-1)) % c.Skills
			itemSkills[j] = append(itemSkills[j], k2)
			m = (m + skillMean[k2]) / 2
		}
		tr.B = append(tr.B, m+c.ItemSD*rng.NormFloat64())
	}
	// drawn after the items so that SupportSD = 0 leaves every other draw as it was
	for range c.Items {
		d := 0.0
		if c.SupportSD > 0 {
			d = c.SupportSD * rng.NormFloat64()
		}
		tr.D = append(tr.D, d)
	}
	if c.Feedback {
		for range c.Items {
			tr.F = append(tr.F, c.FeedbackItemSD*rng.NormFloat64())
		}
	}
	log := datasets.NewLog()
	for j := range c.Items { // intern items in index order
		log.Items.Intern("i" + strconv.Itoa(j))
	}
	learned := make([]float64, c.Skills)
	for i := 0; i < c.Learners; i++ {
		z1, z2 := rng.NormFloat64(), rng.NormFloat64()
		th := c.ThetaSD * z1
		ep := c.EpsMean + c.EpsSD*(c.Corr*z1+math.Sqrt(1-c.Corr*c.Corr)*z2)
		tr.Theta = append(tr.Theta, th)
		tr.Eps = append(tr.Eps, ep)
		phi := 0.0
		if c.Feedback {
			phi = c.PhiMean + c.PhiSD*rng.NormFloat64()
			tr.Phi = append(tr.Phi, phi)
		}
		clear(learned)
		id := "u" + strconv.Itoa(i)
		for t := 0; t < c.Attempt; t++ {
			j := rng.IntN(c.Items)
			a := datasets.NewAttempt()
			a.Learner, a.Item, a.Seq = id, "i"+strconv.Itoa(j), int64(t)
			gain := 0.0
			for _, k := range itemSkills[j] {
				a.Skills = append(a.Skills, "s"+strconv.Itoa(k))
				gain += learned[k]
			}
			gain /= float64(len(itemSkills[j]))
			eta := th + gain - tr.B[j]
			a.Independent = rng.Float64() < sigmoid(eta)
			switch {
			case a.Independent:
				a.Supported = true
			case c.Feedback && rng.Float64() < sigmoid(eta+phi+tr.F[j]):
				a.Supported = true
			default:
				a.Supported = rng.Float64() < sigmoid(eta+ep+tr.D[j])
				if c.Feedback {
					a.HintsUsed = 1
				}
			}
			o := OutcomeOf(a.Independent, a.Supported)
			for _, k := range itemSkills[j] {
				learned[k] += c.Gamma[o]
			}
			log.Append(&a)
		}
	}
	return log, tr
}

// pearson is the sample correlation of x and y.
func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}
