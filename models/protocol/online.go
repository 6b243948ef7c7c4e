package protocol

import (
	"context"
	"math"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/numeric"
	"github.com/zpd-project/zpd/models"
)

// Blind returns a copy of a with every outcome and support field cleared:
// what a model may see of an attempt before predicting it. Learner, item,
// skills, sequence number, time, item difficulty metadata and groups are
// kept; hints available is set to datasets.Unknown because it is a support
// field (and on items without hints it decides success with support).
func Blind(a *datasets.Attempt) datasets.Attempt {
	b := datasets.Attempt{
		Learner:        a.Learner,
		Item:           a.Item,
		Skills:         append([]string(nil), a.Skills...),
		Seq:            a.Seq,
		Time:           a.Time,
		HintsAvailable: datasets.Unknown,
		ResponseMS:     math.NaN(),
		Difficulty:     a.Difficulty,
		Groups:         append([]string(nil), a.Groups...),
	}
	return b
}

// Replay runs one learner's history through a fresh Learner of m: each
// attempt is predicted from its Blind copy, then observed in full. It
// returns one prediction per row of history, in order.
func Replay(m models.Model, log *datasets.Log, history []int32) []models.Prediction {
	l := m.NewLearner()
	out := make([]models.Prediction, len(history))
	for k, row := range history {
		a := log.At(int(row))
		b := Blind(&a)
		out[k] = l.Predict(&b)
		l.Observe(&a)
	}
	return out
}

// OnlineLogLoss replays every learner of log through m and returns the
// log-loss of success alone over all attempts (NaN for an empty log).
func OnlineLogLoss(m models.Model, log *datasets.Log) float64 {
	loss, _ := onlineLogLoss(context.Background(), m, log)
	return loss
}

// onlineLogLoss is OnlineLogLoss stopping with ctx's error between
// learners, so tuning on a big log answers a cancel promptly.
func onlineLogLoss(ctx context.Context, m models.Model, log *datasets.Log) (float64, error) {
	var y []bool
	var p []float64
	for _, h := range log.Histories() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for k, pr := range Replay(m, log, h) {
			y = append(y, log.Independent[h[k]])
			p = append(p, pr.Independent)
		}
	}
	if len(y) == 0 {
		return math.NaN(), nil
	}
	var sum float64
	for i, v := range p {
		sum += numeric.LogLoss(y[i], v)
	}
	return sum / float64(len(y)), nil
}

// Subset returns a new log holding, in log order, the attempts of the
// learners for which keep returns true.
func Subset(log *datasets.Log, keep func(learner string) bool) *datasets.Log {
	out, _ := SubsetContext(context.Background(), log, keep)
	return out
}

// cancelRows is how many rows a long loop handles between checks of its
// context: a few milliseconds of work.
const cancelRows = 1 << 14

// SubsetContext is Subset stopping with ctx's error: copying a
// million-row log takes seconds.
func SubsetContext(ctx context.Context, log *datasets.Log, keep func(learner string) bool) (*datasets.Log, error) {
	kept := make([]bool, log.Learners.Len())
	for u, id := range log.Learners.IDs() {
		kept[u] = keep(id)
	}
	out := datasets.NewLog(log.GroupNames...)
	for i, u := range log.Learner {
		if i%cancelRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if kept[u] {
			a := log.At(i)
			out.Append(&a)
		}
	}
	return out, nil
}
