package evaluate

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/zpd-project/zpd/internal/atomicfile"
	"github.com/zpd-project/zpd/models"
)

// Leaderboard is the result of Run: split sizes, one score per family, and
// the test attempts with every family's predictions for reports.
type Leaderboard struct {
	Attempts      int          `json:"attempts"`       // attempts in the log
	TrainLearners int          `json:"train_learners"` // learners in folds other than protocol.TestFold
	TestLearners  int          `json:"test_learners"`
	TrainAttempts int          `json:"train_attempts"`
	TestAttempts  int          `json:"test_attempts"`
	Models        []ModelScore `json:"models"`
	// Test lists the test attempts in prediction order: learners by id,
	// attempts by Seq. ModelScore.Predictions align with it.
	Test []TestAttempt `json:"-"`
}

// TestAttempt identifies one test attempt and its outcomes.
type TestAttempt struct {
	Learner     string
	Seq         int64
	Independent bool // y_ind: success alone
	Supported   bool // y_sup: success with support at most
}

// ModelScore is one family's protocol metrics. A metric is NaN when it is
// undefined (an AUC with one class absent); JSON writes NaN as null.
type ModelScore struct {
	Name string
	// AUCInd, LogLossInd and ECEInd score Prediction.Independent against
	// success alone over all test attempts.
	AUCInd, LogLossInd, ECEInd float64
	// AUCSup scores Prediction.Supported against success with support over
	// the test attempts failed alone.
	AUCSup float64
	// FitTime is the wall time of the family's Fit (not in JSON).
	FitTime time.Duration
	// Predictions[k] is the prediction for Leaderboard.Test[k] (not in JSON).
	Predictions []models.Prediction
}

type scoreJSON struct {
	Name       string   `json:"name"`
	AUCInd     *float64 `json:"auc_ind"`
	LogLossInd *float64 `json:"logloss_ind"`
	ECEInd     *float64 `json:"ece_ind"`
	AUCSup     *float64 `json:"auc_sup"`
}

// MarshalJSON writes the name and the four metrics, NaN as null.
func (s ModelScore) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(scoreJSON{s.Name, num(s.AUCInd), num(s.LogLossInd), num(s.ECEInd), num(s.AUCSup)})
}

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (s *ModelScore) UnmarshalJSON(b []byte) error {
	var j scoreJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*s = ModelScore{Name: j.Name, AUCInd: val(j.AUCInd), LogLossInd: val(j.LogLossInd), ECEInd: val(j.ECEInd), AUCSup: val(j.AUCSup)}
	return nil
}

// WriteJSON writes the leaderboard as indented JSON.
func (lb *Leaderboard) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(lb)
}

// SaveJSON writes the leaderboard's JSON to path atomically.
func (lb *Leaderboard) SaveJSON(path string) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if err := lb.WriteJSON(f); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// WriteTable writes the split sizes and a text table of the scores.
func (lb *Leaderboard) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "attempts %d; learners train %d / test %d; attempts train %d / test %d\n\n",
		lb.Attempts, lb.TrainLearners, lb.TestLearners, lb.TrainAttempts, lb.TestAttempts)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tAUC ind\tlog-loss ind\tECE ind\tAUC sup | failed alone\tfit s\t")
	for _, s := range lb.Models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\t\n", s.Name, fmtMetric(s.AUCInd), fmtMetric(s.LogLossInd),
			fmtMetric(s.ECEInd), fmtMetric(s.AUCSup), s.FitTime.Seconds())
	}
	return tw.Flush()
}

func fmtMetric(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}
