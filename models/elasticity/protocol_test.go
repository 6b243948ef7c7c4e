package elasticity

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// This file is a test-only stand-in for the evaluation harness: it loads an
// ASSISTments 2009 CSV as docs/evaluation-protocol.md says (one attempt per
// (user_id, order_id), y_ind = correct == 1, y_sup = !(hint_total > 0 &&
// hint_count >= hint_total), order by order_id), splits learners by FNV-1a
// of the id mod 5 and scores test learners online.

const assistmentsExcerpt = "/work/shared/data/assistments2009-excerpt/as_supersmall.csv"

// loadAssistments returns the collapsed attempts grouped per learner id.
func loadAssistments(path string) (map[string][]datasets.Attempt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	skillCol, ok := col["skill_id"]
	if !ok {
		skillCol = col["skill_name"]
	}
	type key struct {
		user  string
		order int64
	}
	byKey := map[key]*datasets.Attempt{}
	skillSets := map[key]map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		num := func(name string) int64 {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rec[col[name]]), 64)
			return int64(v)
		}
		k := key{normID(rec[col["user_id"]]), num("order_id")}
		if _, ok := byKey[k]; !ok {
			a := datasets.NewAttempt()
			a.Learner, a.Item, a.Seq = k.user, normID(rec[col["problem_id"]]), k.order
			a.Independent = num("correct") == 1
			hc, ht := num("hint_count"), num("hint_total")
			a.Supported = !(ht > 0 && hc >= ht)
			a.HintsUsed, a.HintsAvailable = int32(hc), int32(ht)
			a.Retries = int32(num("attempt_count") - 1)
			byKey[k] = &a
			skillSets[k] = map[string]bool{}
		}
		if s := normID(rec[skillCol]); s != "" {
			skillSets[k][s] = true
		}
	}
	out := map[string][]datasets.Attempt{}
	for k, a := range byKey {
		for s := range skillSets[k] {
			a.Skills = append(a.Skills, s)
		}
		sort.Strings(a.Skills)
		out[k.user] = append(out[k.user], *a)
	}
	for _, h := range out {
		sort.Slice(h, func(i, j int) bool { return h[i].Seq < h[j].Seq })
	}
	return out, nil
}

func normID(s string) string {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && !strings.ContainsAny(s, "eE") {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}

// fold is the protocol's learner fold: FNV-1a 32-bit of the id mod 5.
func fold(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % 5)
}

// splitFolds builds the training log (learners whose fold is in train) and
// returns the test histories (fold == test), learners in id order.
func splitFolds(all map[string][]datasets.Attempt, train func(int) bool, test int) (*datasets.Log, [][]datasets.Attempt) {
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	log := datasets.NewLog()
	var tests [][]datasets.Attempt
	for _, id := range ids {
		f := fold(id)
		switch {
		case f == test:
			tests = append(tests, all[id])
		case train(f):
			for i := range all[id] {
				log.Append(&all[id][i])
			}
		}
	}
	return log, tests
}

// protocolMetrics are the evaluation protocol's metrics.
type protocolMetrics struct {
	AUCInd, LogLossInd, ECEInd, AUCSup0 float64
	N                                   int
}

func (m protocolMetrics) String() string {
	return fmt.Sprintf("n=%d AUC_ind=%.4f LL_ind=%.4f ECE_ind=%.4f AUC_sup|ind0=%.4f",
		m.N, m.AUCInd, m.LogLossInd, m.ECEInd, m.AUCSup0)
}

// evaluateOnline predicts every test attempt from the learner's earlier
// attempts only, through the models.Learner interface.
func evaluateOnline(m models.Model, tests [][]datasets.Attempt) protocolMetrics {
	var yi, ys0 []bool
	var pi, ps0 []float64
	for _, h := range tests {
		l := m.NewLearner()
		for i := range h {
			a := h[i]
			blind := datasets.Attempt{Learner: a.Learner, Item: a.Item, Skills: a.Skills, Seq: a.Seq, Time: a.Time}
			p := l.Predict(&blind)
			yi = append(yi, a.Independent)
			pi = append(pi, p.Independent)
			if !a.Independent {
				ys0 = append(ys0, a.Supported)
				ps0 = append(ps0, p.Supported)
			}
			l.Observe(&a)
		}
	}
	return protocolMetrics{AUCInd: auc(yi, pi), LogLossInd: meanLogLoss(yi, pi), ECEInd: ece(yi, pi), AUCSup0: auc(ys0, ps0), N: len(yi)}
}

// auc is the Mann-Whitney AUC with ties counted half.
func auc(y []bool, p []float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var n1, n0, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		rank := float64(i+j+1) / 2 // average 1-based rank
		for k := i; k < j; k++ {
			if y[idx[k]] {
				rankSum += rank
				n1++
			} else {
				n0++
			}
		}
		i = j
	}
	if n1 == 0 || n0 == 0 {
		return math.NaN()
	}
	return (rankSum - n1*(n1+1)/2) / (n1 * n0)
}

func meanLogLoss(y []bool, p []float64) float64 {
	s := 0.0
	for i := range y {
		s += logLoss(y[i], p[i])
	}
	return s / float64(len(y))
}

// ece is the expected calibration error over 10 equal-width bins.
func ece(y []bool, p []float64) float64 {
	var n, sy, sp [10]float64
	for i := range y {
		b := min(int(p[i]*10), 9)
		n[b]++
		sp[b] += p[i]
		if y[i] {
			sy[b]++
		}
	}
	t := 0.0
	for b := range n {
		if n[b] > 0 {
			t += math.Abs(sy[b]-sp[b]) / 1
		}
	}
	return t / float64(len(y))
}
