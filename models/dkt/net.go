package dkt

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/zpd-project/zpd/features"
)

// eps keeps every prediction inside (eps, 1-eps), so the log-loss of a
// saturated head stays finite: P = eps + (1-2·eps)·mean of the heads.
const eps = 1e-7

// gates of the GRU, in the order of weights.wx, wh and b.
const (
	gateZ = iota // update gate
	gateR        // reset gate
	gateN        // candidate state
	numGates
)

// weights are the network's parameters, row-major. With V input keys (the
// last one standing for an unknown or absent key), K output skills (the
// last one likewise), E = embedding and H = hidden:
//
//	emb      [3V × E]   row key·3 + outcome
//	wx[g]    [E × H]    input to gate g
//	wh[g]    [H × H]    state to gate g
//	b[g]     [H]
//	out[s]   [H × K]    head s: 0 success alone, 1 success with support
//	outB[s]  [K]
type weights struct {
	keys, skills, emb, hidden int
	embW                      []float64
	wx, wh, b                 [numGates][]float64
	out, outB                 [2][]float64
}

func newWeights(keys, skills, emb, hidden int) *weights {
	w := &weights{keys: keys, skills: skills, emb: emb, hidden: hidden}
	w.embW = make([]float64, keys*features.NumOutcomes*emb)
	for g := range numGates {
		w.wx[g] = make([]float64, emb*hidden)
		w.wh[g] = make([]float64, hidden*hidden)
		w.b[g] = make([]float64, hidden)
	}
	for s := range 2 {
		w.out[s] = make([]float64, hidden*skills)
		w.outB[s] = make([]float64, skills)
	}
	return w
}

// tensors lists every parameter with its shape, in a fixed order (the
// order of the gorgonia graph's learnables and of the artifact).
func (w *weights) tensors() []param {
	ps := []param{{"embedding", w.embW, w.keys * features.NumOutcomes, w.emb}}
	for g, name := range []string{"z", "r", "n"} {
		ps = append(ps,
			param{"input_" + name, w.wx[g], w.emb, w.hidden},
			param{"state_" + name, w.wh[g], w.hidden, w.hidden},
			param{"bias_" + name, w.b[g], 1, w.hidden})
	}
	for s, name := range []string{"independent", "supported"} {
		ps = append(ps,
			param{"head_" + name, w.out[s], w.hidden, w.skills},
			param{"head_" + name + "_bias", w.outB[s], 1, w.skills})
	}
	return ps
}

// param is one named parameter matrix (a bias is 1 × n).
type param struct {
	name       string
	data       []float64
	rows, cols int
}

// init draws the matrices Glorot-uniform from rng; biases start at zero.
func (w *weights) init(rng *rand.Rand) {
	for _, p := range w.tensors() {
		if p.rows == 1 {
			continue
		}
		a := math.Sqrt(6 / float64(p.rows+p.cols))
		for i := range p.data {
			p.data[i] = a * (2*rng.Float64() - 1)
		}
	}
}

func (w *weights) clone() *weights {
	c := newWeights(w.keys, w.skills, w.emb, w.hidden)
	src, dst := w.tensors(), c.tensors()
	for i := range src {
		copy(dst[i].data, src[i].data)
	}
	return c
}

// check reports a non-finite weight.
func (w *weights) check() error {
	for _, p := range w.tensors() {
		for i, v := range p.data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("weight %s[%d] is %v", p.name, i, v)
			}
		}
	}
	return nil
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// state is the hand-written forward pass over the trained weights: a
// learner's GRU state and scratch space. It computes what the gorgonia
// graph computes at prediction time (no dropout), in float64, without
// allocating per attempt.
type state struct {
	w       *weights
	h, x    []float64
	z, r, n []float64
	rh      []float64
}

func newState(w *weights) *state {
	H := w.hidden
	return &state{w: w, h: make([]float64, H), x: make([]float64, w.emb),
		z: make([]float64, H), r: make([]float64, H), n: make([]float64, H), rh: make([]float64, H)}
}

// predict returns head s's probability for an attempt on skills (output
// columns, distinct, at least one), from the current state.
func (st *state) predict(s int, skills []int32) float64 {
	w, H, K := st.w, st.w.hidden, st.w.skills
	var sum float64
	for _, k := range skills {
		a := w.outB[s][k]
		for i := 0; i < H; i++ {
			a += st.h[i] * w.out[s][i*K+int(k)]
		}
		sum += sigmoid(a)
	}
	return eps + (1-2*eps)*sum/float64(len(skills))
}

// step advances the state by an attempt encoded as tokens (input rows key·3
// + outcome, distinct, at least one), each weighted 1/len(tokens).
func (st *state) step(tokens []int32) {
	w, E, H := st.w, st.w.emb, st.w.hidden
	clear(st.x)
	inv := 1 / float64(len(tokens))
	for _, t := range tokens {
		row := w.embW[int(t)*E : int(t+1)*E]
		for e, v := range row {
			st.x[e] += inv * v
		}
	}
	st.gate(st.z, gateZ, st.h)
	st.gate(st.r, gateR, st.h)
	for i := range st.z {
		st.z[i], st.r[i] = sigmoid(st.z[i]), sigmoid(st.r[i])
		st.rh[i] = st.r[i] * st.h[i]
	}
	st.gate(st.n, gateN, st.rh)
	for i := 0; i < H; i++ {
		n := math.Tanh(st.n[i])
		st.h[i] = n + st.z[i]*(st.h[i]-n)
	}
}

// gate writes x·wx[g] + h·wh[g] + b[g] into dst.
func (st *state) gate(dst []float64, g int, h []float64) {
	w, H := st.w, st.w.hidden
	copy(dst, w.b[g])
	for e, v := range st.x {
		row := w.wx[g][e*H : (e+1)*H]
		for i := range dst {
			dst[i] += v * row[i]
		}
	}
	for j, v := range h {
		row := w.wh[g][j*H : (j+1)*H]
		for i := range dst {
			dst[i] += v * row[i]
		}
	}
}
