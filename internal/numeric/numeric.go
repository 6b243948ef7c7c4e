// Package numeric holds the few numeric helpers the models, the evaluator,
// the report and the pathway policies share: the logistic function and its
// inverse, the log-loss of one prediction, and the inverse of a 2×2
// matrix. The elasticity model's hot loops keep their own faster sigmoid
// (see expNeg in models/elasticity).
package numeric

import "math"

// Sigmoid is the logistic function, computed without overflow.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// logitEps keeps Logit finite at 0 and 1.
const logitEps = 1e-12

// Logit maps a probability to logits, clamped to [1e-12, 1−1e-12] so that
// 0 and 1 stay finite and comparable.
func Logit(p float64) float64 {
	p = math.Min(math.Max(p, logitEps), 1-logitEps)
	return math.Log(p / (1 - p))
}

// LogLossEps clips probabilities to [LogLossEps, 1−LogLossEps] in LogLoss.
const LogLossEps = 1e-15

// LogLoss is the negative log-likelihood of label y under probability p,
// clipped to [LogLossEps, 1−LogLossEps].
func LogLoss(y bool, p float64) float64 {
	p = math.Min(math.Max(p, LogLossEps), 1-LogLossEps)
	if y {
		return -math.Log(p)
	}
	return -math.Log1p(-p)
}

// Inverse2 returns the inverse of the 2×2 matrix a (±Inf or NaN entries
// when a is singular).
func Inverse2(a [2][2]float64) [2][2]float64 {
	det := a[0][0]*a[1][1] - a[0][1]*a[1][0]
	return [2][2]float64{{a[1][1] / det, -a[0][1] / det}, {-a[1][0] / det, a[0][0] / det}}
}

// Inverse3 returns the inverse of the 3×3 matrix a by cofactors (±Inf or
// NaN entries when a is singular).
func Inverse3(a [3][3]float64) [3][3]float64 {
	var c [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r0, r1 := (i+1)%3, (i+2)%3
			c0, c1 := (j+1)%3, (j+2)%3
			// cyclic minors carry their cofactor sign already
			c[j][i] = a[r0][c0]*a[r1][c1] - a[r0][c1]*a[r1][c0]
		}
	}
	det := a[0][0]*c[0][0] + a[0][1]*c[1][0] + a[0][2]*c[2][0]
	for i := range c {
		for j := range c[i] {
			c[i][j] /= det
		}
	}
	return c
}
