package pathway

import (
	"math"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
)

// ready builds a readiness with the zone the thresholds (0.8, 0.5) give.
func ready(difficulty, pInd, pSup float64) elasticity.Readiness {
	z := elasticity.BeyondReach
	switch {
	case pInd >= 0.8:
		z = elasticity.Mastered
	case pSup >= 0.5:
		z = elasticity.Proximal
	}
	return elasticity.Readiness{
		Difficulty:  difficulty,
		Independent: elasticity.Estimate{Value: pInd},
		Supported:   elasticity.Estimate{Value: pSup},
		Zone:        z,
	}
}

func TestRecommend(t *testing.T) {
	cands := []elasticity.Readiness{
		0: ready(-2, 0.95, 0.99),   // mastered, far below the edge
		1: ready(-0.5, 0.82, 0.95), // mastered, nearest the ZAD edge
		2: ready(0.5, 0.6, 0.8),    // ZPD, well inside
		3: ready(1.0, 0.45, 0.55),  // ZPD, nearest the point of difficulty
		4: ready(1.6, 0.3, 0.45),   // beyond reach, just
		5: ready(3.0, 0.05, 0.1),   // far beyond reach
	}
	type pick struct {
		cand int
		kind Kind
		why  string
	}
	tests := []struct {
		name string
		opts Options
		want []pick
	}{
		{"stretch only", Options{Count: 3}, []pick{
			{3, Stretch, ReasonStretchZPD}, {2, Stretch, ReasonStretchZPD}, {4, Stretch, ReasonStretchBeyond}}},
		{"check every 2nd", Options{Count: 4, MasteryCheckEvery: 2}, []pick{
			{3, Stretch, ReasonStretchZPD}, {1, MasteryCheck, ReasonCheckMastered},
			{2, Stretch, ReasonStretchZPD}, {0, MasteryCheck, ReasonCheckMastered}}},
		{"cadence carries over served", Options{Count: 2, MasteryCheckEvery: 3, Served: 2}, []pick{
			{1, MasteryCheck, ReasonCheckMastered}, {3, Stretch, ReasonStretchZPD}}},
		{"all candidates, each once", Options{Count: 10, MasteryCheckEvery: 3}, []pick{
			{3, Stretch, ReasonStretchZPD}, {2, Stretch, ReasonStretchZPD}, {1, MasteryCheck, ReasonCheckMastered},
			{4, Stretch, ReasonStretchBeyond}, {5, Stretch, ReasonStretchBeyond}, {0, MasteryCheck, ReasonCheckMastered}}},
		{"none asked", Options{Count: 0, MasteryCheckEvery: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Mastery, tt.opts.Reach = 0.8, 0.5
			got := Recommend(nil, cands, tt.opts)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d recommendations %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Candidate != w.cand || g.Kind != w.kind || g.Reason != w.why || g.Position != tt.opts.Served+i+1 {
					t.Errorf("recommendation %d = %+v, want candidate %d kind %v reason %q position %d",
						i, g, w.cand, w.kind, w.why, tt.opts.Served+i+1)
				}
			}
		})
	}
}

func TestRecommendFallbacks(t *testing.T) {
	opts := Options{Count: 2, MasteryCheckEvery: 2, Mastery: 0.8, Reach: 0.5}
	// Only mastered items: the stretch is the hardest, the check the one
	// nearest the edge among the rest.
	mastered := []elasticity.Readiness{ready(-3, 0.99, 1), ready(-1, 0.9, 0.99), ready(-2, 0.97, 0.99)}
	got := Recommend(nil, mastered, opts)
	if got[0].Candidate != 1 || got[0].Reason != ReasonStretchMastered || got[1].Candidate != 2 {
		t.Errorf("all mastered: %+v", got)
	}
	// Nothing mastered: the check falls back to the nearest item to the edge.
	hard := []elasticity.Readiness{ready(2, 0.3, 0.6), ready(3, 0.1, 0.3), ready(1, 0.7, 0.9)}
	got = Recommend(nil, hard, opts)
	if got[0].Candidate != 0 || got[1].Candidate != 2 || got[1].Reason != ReasonCheckNearest {
		t.Errorf("nothing mastered: %+v", got)
	}
}

func TestRecommendAppendsWithoutTouchingDst(t *testing.T) {
	cands := []elasticity.Readiness{ready(1, 0.4, 0.6), ready(2, 0.2, 0.4)}
	dst := []Recommendation{{Candidate: 0, Reason: "earlier learner"}}
	got := Recommend(dst, cands, Options{Count: 2, Mastery: 0.8, Reach: 0.5})
	// The earlier learner's pick of candidate 0 must not stop this learner
	// from getting it.
	if len(got) != 3 || got[0].Reason != "earlier learner" || got[1].Candidate != 0 || got[2].Candidate != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestRecommendNaNSortsLast(t *testing.T) {
	cands := []elasticity.Readiness{ready(1, 0.4, math.NaN()), ready(1, 0.4, 0.6)}
	cands[0].Zone = elasticity.Proximal
	got := Recommend(nil, cands, Options{Count: 2, Mastery: 0.8, Reach: 0.5})
	if got[0].Candidate != 1 || got[1].Candidate != 0 {
		t.Errorf("got %+v, want the finite candidate first", got)
	}
}

func TestIsMasteryCheck(t *testing.T) {
	tests := []struct {
		pos, every int
		want       bool
	}{{3, 3, true}, {6, 3, true}, {4, 3, false}, {1, 1, true}, {5, 0, false}, {0, 2, false}}
	for _, tt := range tests {
		if got := IsMasteryCheck(tt.pos, tt.every); got != tt.want {
			t.Errorf("IsMasteryCheck(%d, %d) = %v, want %v", tt.pos, tt.every, got, tt.want)
		}
	}
}

// TestRecommendManyCandidates uses more candidates than the stack buffers
// hold, and asks for all of them: each exactly once.
func TestRecommendManyCandidates(t *testing.T) {
	var cands []elasticity.Readiness
	for i := range 300 {
		p := float64(i) / 300
		cands = append(cands, ready(float64(150-i)/50, p, math.Min(1, p+0.3)))
	}
	got := Recommend(nil, cands, Options{Count: 300, MasteryCheckEvery: 5, Mastery: 0.8, Reach: 0.5})
	seen := map[int]bool{}
	for _, r := range got {
		if seen[r.Candidate] {
			t.Fatalf("candidate %d recommended twice", r.Candidate)
		}
		seen[r.Candidate] = true
	}
	if len(got) != 300 {
		t.Errorf("%d recommendations, want 300", len(got))
	}
}

func BenchmarkRecommend(b *testing.B) {
	var cands []elasticity.Readiness
	for i := range 20 {
		p := float64(i) / 20
		cands = append(cands, ready(float64(10-i)/5, p, math.Min(1, p+0.3)))
	}
	dst := make([]Recommendation, 0, 5)
	opts := Options{Count: 5, MasteryCheckEvery: 4, Mastery: 0.8, Reach: 0.5}
	b.ReportAllocs()
	for b.Loop() {
		dst = Recommend(dst[:0], cands, opts)
	}
}
