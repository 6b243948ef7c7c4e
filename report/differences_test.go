package report

import (
	"math"
	"testing"

	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/evaluate"
)

// TestDifferencesPaired builds a leaderboard where one model is a baseline
// plus a small, consistent gain: paired resampling must see the gain (the
// interval excludes 0) although the two models' own intervals overlap.
func TestDifferencesPaired(t *testing.T) {
	const learners, per = 120, 20
	lb := &evaluate.Leaderboard{}
	base := evaluate.ModelScore{Name: "base"}
	better := evaluate.ModelScore{Name: "elasticity"}
	worse := evaluate.ModelScore{Name: "worse"}
	for u := range learners {
		skill := float64(u%7)/7 - 0.4 // learners differ a lot: wide separate intervals
		for k := range per {
			z := skill + 0.3*math.Sin(float64(u*per+k))
			yInd := z > 0
			lb.Test = append(lb.Test, evaluate.TestAttempt{Learner: string(rune('a'+u%26)) + string(rune('A'+u/26)), Seq: int64(k),
				Independent: yInd, Supported: yInd || k%2 == 0})
			noise := 0.5 * math.Cos(float64(7*u+3*k))
			pb := 1 / (1 + math.Exp(-(z + noise)))
			pm := 1 / (1 + math.Exp(-(z + 0.93*noise)))
			base.Predictions = append(base.Predictions, models.Prediction{Independent: pb, Supported: 0.5 + 0.1*pb})
			better.Predictions = append(better.Predictions, models.Prediction{Independent: pm, Supported: 0.5 + 0.1*pm})
			worse.Predictions = append(worse.Predictions, models.Prediction{Independent: 0.5, Supported: 0.5})
		}
	}
	lb.Models = []evaluate.ModelScore{worse, base, better}
	for i, s := range LeaderboardIntervals(lb, 0, 1) {
		lb.Models[i].AUCInd, lb.Models[i].LogLossInd = s.AUCInd.Value, s.LogLossInd.Value
		lb.Models[i].ECEInd, lb.Models[i].AUCSup = s.ECEInd.Value, s.AUCSup.Value
	}
	diffs := Differences(lb, "elasticity", 300, 1)
	if len(diffs) != 4 {
		t.Fatalf("%d differences, want one per metric: %+v", len(diffs), diffs)
	}
	byMetric := map[string]Difference{}
	for _, d := range diffs {
		byMetric[d.Metric] = d
		if d.Baseline == "elasticity" {
			t.Errorf("%s compared with itself", d.Metric)
		}
		if !(d.Low <= d.Value && d.Value <= d.High) {
			t.Errorf("%s: value %v outside its interval [%v, %v]", d.Metric, d.Value, d.Low, d.High)
		}
	}
	auc := byMetric["auc_ind"]
	if auc.Baseline != "base" || auc.Better == nil || !*auc.Better || !(auc.Low > 0) {
		t.Errorf("auc_ind: %+v, want a gain over base whose interval excludes 0", auc)
	}
	// The same gain is invisible to unpaired intervals, which overlap.
	sep := LeaderboardIntervals(lb, 300, 1)
	if !(sep[2].AUCInd.Low < sep[1].AUCInd.High) {
		t.Errorf("fixture too easy: separate intervals %+v and %+v do not overlap", sep[1].AUCInd, sep[2].AUCInd)
	}
	if ll := byMetric["logloss_ind"]; ll.Better == nil || !*ll.Better || !(ll.High < 0) {
		t.Errorf("logloss_ind: %+v, want lower log-loss than the best baseline", ll)
	}
	// Same seed, same intervals.
	again := Differences(lb, "elasticity", 300, 1)
	for i := range diffs {
		if diffs[i].Low != again[i].Low || diffs[i].High != again[i].High {
			t.Errorf("%s: not deterministic", diffs[i].Metric)
		}
	}
	if Differences(lb, "absent", 10, 1) != nil {
		t.Error("a model not on the board has differences")
	}
}
