package elasticity

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// TestFeatureColumnsNoLeakage: the model's columns of the feature table
// for an attempt are the Scorer's for the learner's earlier attempts, and
// truncating the learner's history after it changes none of them.
func TestFeatureColumnsNoLeakage(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt = 40, 25
	log, _ := simulate(sc)
	m, err := Fit(context.Background(), log, DefaultConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	columns := func(log *datasets.Log) map[string][]float64 {
		out := map[string][]float64{}
		tab := features.NewTable(log, m.p.Config.RecencyDecay, m.FeatureColumns())
		var c features.Chunk
		for tab.Next(&c, 50) {
			for i, r := range c.Row {
				key := log.Learners.ID(log.Learner[r]) + "@" + strconv.FormatInt(log.Seq[r], 10)
				for _, col := range c.Extra {
					out[key] = append(out[key], col[i])
				}
			}
		}
		return out
	}
	full := columns(log)
	hist := log.Histories()
	// The first learner's attempt 10, scored by hand from attempts 0..9.
	rows := hist[0]
	var h History
	res := features.NewLogResolver(m.Index(), log)
	res.History(&h, rows[:10])
	s := NewScorer(m)
	post := s.Score(&h)
	key := log.Learners.ID(0) + "@" + strconv.FormatInt(log.Seq[rows[10]], 10)
	if got := full[key]; got[0] != post.Ability.Value || got[3] != post.Elasticity.SD {
		t.Errorf("%s: columns %v, Scorer θ %v ε sd %v", key, got, post.Ability.Value, post.Elasticity.SD)
	}
	// Truncate learner 0 after attempt 10.
	short := datasets.NewLog()
	for i := range log.Len() {
		a := log.At(i)
		if log.Learner[i] == 0 && a.Seq > log.Seq[rows[10]] {
			continue
		}
		short.Append(&a)
	}
	got := columns(short)
	if len(got) != len(full)-(len(rows)-11) {
		t.Fatalf("truncated table has %d rows, want %d", len(got), len(full)-(len(rows)-11))
	}
	for k, v := range got {
		for i := range v {
			if v[i] != full[k][i] && !(math.IsNaN(v[i]) && math.IsNaN(full[k][i])) {
				t.Fatalf("%s column %d: %v after truncation, %v before", k, i, v[i], full[k][i])
			}
		}
	}
}
