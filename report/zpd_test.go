package report

import (
	"strings"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
)

// TestZPDChartNegativeElasticity: a learner whom support does not help
// (ε < 0) is not drawn with a ZPD band; one with ε > 0 is.
func TestZPDChartNegativeElasticity(t *testing.T) {
	m, _ := simulatedFit(t, 5, 60, 20)
	for _, tt := range []struct {
		eps  float64
		want string
	}{{-0.8, "no ZPD"}, {0.9, "shaded: the ZPD"}} {
		post := elasticity.NewScorer(m).Score(&elasticity.History{})
		post.Elasticity.Value = tt.eps
		post.PointOfDifficulty.Value = post.Ability.Value + tt.eps
		post.ZPD.Low, post.ZPD.High = post.ZADEdge.Value, post.PointOfDifficulty.Value
		c, err := zpdChart(m, Chosen{State: LearnerState{ID: "x", Posterior: post}, Why: "test"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Figure.Caption, tt.want) {
			t.Errorf("ε = %.1f: caption %q does not say %q", tt.eps, c.Figure.Caption, tt.want)
		}
	}
}

func TestReadableTicks(t *testing.T) {
	for _, r := range [][2]float64{{0.6, 0.8}, {0.52, 0.88}, {0.55, 0.92}, {0, 1}, {0.701, 0.742}, {-3, 4}} {
		ticks := readableTicks{}.Ticks(r[0], r[1])
		if len(ticks) < 4 || len(ticks) > 10 {
			t.Errorf("[%v, %v]: %d ticks %v, want 4 to 10", r[0], r[1], len(ticks), ticks)
		}
		for _, tk := range ticks {
			if tk.Value < r[0]-1e-9 || tk.Value > r[1]+1e-9 || tk.Label == "" {
				t.Errorf("[%v, %v]: tick %+v outside the range or unlabelled", r[0], r[1], tk)
			}
		}
	}
}
