package dkt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/zpd-project/zpd/internal/numeric"
	"gonum.org/v1/gonum/floats"
	"gorgonia.org/gorgonia"
)

// window is a stretch of one learner's steps, [from, to) in sequences.steps.
type window struct{ from, to int }

// windows cuts each listed learner's steps into consecutive windows of at
// most size steps.
func (s *sequences) windows(learners []int, size int) []window {
	var out []window
	for _, u := range learners {
		for from := s.start[u]; from < s.start[u+1]; from += size {
			out = append(out, window{from, min(from+size, s.start[u+1])})
		}
	}
	return out
}

// fill writes a minibatch of windows (at most gr.B; missing slots are
// padding) into the graph's inputs, with dropout mask drawn from rng (nil:
// no dropout). Each head's loss is the mean over its real steps: every
// step for success alone, the steps failed alone for success with support.
func (gr *graph) fill(s *sequences, batch []window, dropout float64, rng *rand.Rand) {
	B := gr.B
	x := gr.in[gr.x]
	var xs []float64
	if x != nil {
		xs = x.Data().([]float64)
		clear(xs)
	}
	cols := gr.in[gr.cols].Data().([]float64)
	clear(cols)
	K := gr.cols.Shape()[1]
	var y, ny, wt [2][]float64
	for h := range 2 {
		y[h], ny[h], wt[h] = gr.in[gr.y[h]].Data().([]float64), gr.in[gr.ny[h]].Data().([]float64), gr.in[gr.wt[h]].Data().([]float64)
		clear(y[h])
		clear(ny[h])
		clear(wt[h])
	}
	var n0, n1 float64 // real steps of each head
	for b := 0; b < B; b++ {
		for t := 0; t < gr.T; t++ {
			row := t*B + b
			if b >= len(batch) || batch[b].from+t >= batch[b].to {
				// Padding: a valid probability, weighted zero.
				cols[row*K+K-1] = 1 - 2*eps
				continue
			}
			st := &s.steps[batch[b].from+t]
			c := s.colsOf(st)
			for _, k := range c {
				cols[row*K+int(k)] = (1 - 2*eps) / float64(len(c))
			}
			wt[0][row] = 1
			n0 += 1
			if st.independent {
				y[0][row] = 1
			} else {
				ny[0][row] = 1
				wt[1][row] = 1
				n1 += 1
				if st.supported {
					y[1][row] = 1
				} else {
					ny[1][row] = 1
				}
			}
			if t < gr.T-1 && xs != nil {
				toks := s.tokensOf(st)
				V3 := gr.x.Shape()[1]
				for _, tok := range toks {
					xs[row*V3+int(tok)] = 1 / float64(len(toks))
				}
			}
		}
	}
	for h, n := range []float64{n0, n1} {
		if n > 0 {
			for i := range wt[h] {
				wt[h][i] /= n
			}
		}
	}
	d := gr.in[gr.drop].Data().([]float64)
	keep := 1 - dropout
	for i := range d {
		d[i] = 1
		if rng != nil && dropout > 0 {
			d[i] = 0
			if rng.Float64() < keep {
				d[i] = 1 / keep
			}
		}
	}
}

// trainResult is what training reports besides the weights.
type trainResult struct {
	Epochs         int         `json:"epochs"`                    // epochs run
	BestEpoch      int         `json:"best_epoch"`                // 1-based epoch whose weights were kept
	ValidationLoss *float64    `json:"validation_loss,omitempty"` // online loss of the kept weights on the validation learners
	TrainLoss      float64     `json:"train_loss"`                // mean minibatch loss of the kept epoch
	Losses         []epochLoss `json:"losses"`                    // every epoch's, in order
}

// epochLoss is one epoch's mean minibatch loss and online validation loss.
type epochLoss struct {
	Train      float64  `json:"train"`
	Validation *float64 `json:"validation,omitempty"`
}

// trainNet fits w on the fit learners' windows with Adam, keeping the weights
// of the epoch with the lowest online loss on the val learners (every
// epoch's weights when val is empty: the last is kept).
func trainNet(ctx context.Context, w *weights, s *sequences, fit, val []int, cfg Config, rng *rand.Rand, progress func(float64)) (*weights, trainResult, error) {
	wins := s.windows(fit, cfg.Window)
	if len(wins) == 0 {
		return nil, trainResult{}, fmt.Errorf("no training attempts")
	}
	T := 0
	for _, wd := range wins {
		T = max(T, wd.to-wd.from)
	}
	B := min(cfg.BatchSize, len(wins))
	// gorgonia drops a slice's dimension when it has one row, and leaves
	// the recurrence out of the graph when T = 1; a padded (zero-weight)
	// window slot and step avoid both without changing the loss.
	B, T = max(B, 2), max(T, 2)
	gr, err := newGraph(w, B, T)
	if err != nil {
		return nil, trainResult{}, err
	}
	defer gr.close()
	opts := []gorgonia.SolverOpt{gorgonia.WithLearnRate(cfg.LearningRate)}
	if cfg.L2 > 0 {
		opts = append(opts, gorgonia.WithL2Reg(cfg.L2))
	}
	solver := gorgonia.NewAdamSolver(opts...)
	grads := gorgonia.NodesToValueGrads(gr.params)
	best, res := w.clone(), trainResult{}
	bestLoss, stale := math.Inf(1), 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		rng.Shuffle(len(wins), func(i, j int) { wins[i], wins[j] = wins[j], wins[i] })
		var sum float64
		var batches int
		for i := 0; i < len(wins); i += B {
			if err := ctx.Err(); err != nil {
				return nil, res, err
			}
			gr.fill(s, wins[i:min(i+B, len(wins))], cfg.Dropout, rng)
			if err := gr.run(); err != nil {
				return nil, res, fmt.Errorf("epoch %d: %w", epoch, err)
			}
			l := gr.lossValue()
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, res, fmt.Errorf("epoch %d: training loss is %v (lower learning_rate)", epoch, l)
			}
			sum += l
			batches++
			if err := solver.Step(grads); err != nil {
				return nil, res, fmt.Errorf("epoch %d: adam: %w", epoch, err)
			}
		}
		res.Epochs = epoch
		gr.read(w)
		if err := w.check(); err != nil {
			return nil, res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		var vl *float64
		if len(val) > 0 {
			l := onlineLoss(w, s, val)
			vl = &l
		}
		res.Losses = append(res.Losses, epochLoss{Train: sum / float64(batches), Validation: vl})
		if vl == nil || *vl < bestLoss {
			if vl != nil {
				bestLoss = *vl
			}
			stale = 0
			best = w.clone()
			res.BestEpoch, res.ValidationLoss, res.TrainLoss = epoch, vl, sum/float64(batches)
		} else if stale++; stale >= cfg.Patience {
			break
		}
		if progress != nil {
			progress(float64(epoch) / float64(cfg.Epochs))
		}
	}
	return best, res, nil
}

// onlineLoss replays the learners through the hand-written forward pass,
// full histories with no windows (as prediction does), and returns the
// mean log-loss of success alone plus that of success with support over
// the attempts failed alone: the training loss, measured online.
func onlineLoss(w *weights, s *sequences, learners []int) float64 {
	st := newState(w)
	var ind, sup []float64 // per-attempt losses of each head
	for _, u := range learners {
		clear(st.h)
		for i := s.start[u]; i < s.start[u+1]; i++ {
			sp := &s.steps[i]
			c := s.colsOf(sp)
			ind = append(ind, numeric.LogLoss(sp.independent, st.predict(0, c)))
			if !sp.independent {
				sup = append(sup, numeric.LogLoss(sp.supported, st.predict(1, c)))
			}
			st.step(s.tokensOf(sp))
		}
	}
	var l float64
	for _, ls := range [][]float64{ind, sup} {
		if len(ls) > 0 {
			l += floats.Sum(ls) / float64(len(ls))
		}
	}
	return l
}
