package simulate

import (
	"math"

	"github.com/zpd-project/zpd/datasets"
)

// SupportOffered is g, the amount of support stage 2 offers on an attempt:
// P(success with support) = σ(a + ε·g − b). It is 1 for every attempt in this
// version of the simulator (support is either offered or not); it takes the
// attempt so that models can share this one definition and a later version
// can make it depend on the item (a may be nil).
func SupportOffered(a *datasets.Attempt) float64 { return 1 }

// Sigmoid is the logistic function σ(x) = 1 / (1 + e^−x).
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Logit is the inverse of Sigmoid.
func Logit(p float64) float64 { return math.Log(p / (1 - p)) }

// PIndependent is stage 1: the probability that a learner with effective
// ability a succeeds alone on an item of difficulty b, σ(a − b).
func PIndependent(a, b float64) float64 { return Sigmoid(a - b) }

// PSupported is stage 2: the probability that a learner with effective
// ability a and elasticity e, having failed alone, succeeds with support g on
// an item of difficulty b, σ(a + e·g − b).
func PSupported(a, e, g, b float64) float64 { return Sigmoid(a + e*g - b) }

// Gain is the learning term of one earlier attempt on a skill: the ability it
// adds on that skill, by outcome (independent success, success with support,
// or failure, where the answer was given).
func (c Config) Gain(independent, supported bool) float64 {
	switch {
	case !c.Learning:
		return 0
	case independent:
		return c.GammaIndependent
	case supported:
		return c.GammaSupported
	default:
		return c.GammaFailure
	}
}
