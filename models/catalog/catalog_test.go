package catalog

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/protocol"
)

func TestLookup(t *testing.T) {
	names := Names()
	want := []string{"itemmean", "irt1pl", "pfa", "bestlr", "bestlr+support", "bestlr+stage2", "elasticity", "elasticity+feedback", "dkt"}
	if !slices.Equal(names, want) {
		t.Errorf("Names() = %v, want %v", names, want)
	}
	for _, n := range names {
		f, err := Lookup(n)
		if err != nil || f.Name() != n {
			t.Errorf("Lookup(%q) = %v, %v", n, f, err)
		}
	}
	if _, err := Lookup("bkt"); err == nil || !strings.Contains(err.Error(), "bestlr") {
		t.Errorf("Lookup(unknown) error %v should list the known families", err)
	}
	fams, err := LookupAll([]string{"pfa", "irt1pl"})
	if err != nil || len(fams) != 2 || fams[0].Name() != "pfa" || fams[1].Name() != "irt1pl" {
		t.Errorf("LookupAll kept order badly: %v, %v", fams, err)
	}
	if _, err := LookupAll([]string{"pfa", "nope"}); err == nil {
		t.Error("LookupAll accepted an unknown name")
	}
}

// referenceParams are the hyperparameters the reference implementation
// (baselines.py in ../shared/reference, outside the repository; bench/crosscheck_reference.sh runs it) selects on the excerpt by the
// protocol's inner split; fixing them keeps the comparison fast.
var referenceParams = map[string]map[string]any{
	"itemmean":       {"m": 20},
	"irt1pl":         {"c": 1},
	"pfa":            {"c": 0.01},
	"bestlr":         {"c": 0.3},
	"bestlr+support": {"c": 0.3},
	// dkt has no reference; a small network and few epochs keep the
	// leakage and round-trip tests fast.
	"dkt": {"embedding": 8, "hidden": 8, "epochs": 1, "window": 30, "batch_size": 16},
}

// reference holds the reference implementation's leaderboard on the
// excerpt: AUC ind, log-loss ind, ECE ind, AUC sup given failed alone.
var reference = map[string][4]float64{
	"itemmean":       {.6068, .6231, .0136, .5853},
	"irt1pl":         {.7041, .5772, .0207, .6705},
	"pfa":            {.6780, .5912, .0362, .6723},
	"bestlr":         {.7156, .5671, .0272, .6768},
	"bestlr+support": {.7265, .5613, .0289, .7025},
}

// referenceFamilies names the families the reference implements too, in
// catalog order.
func referenceFamilies() []string {
	var names []string
	for _, n := range Names() {
		if _, ok := reference[n]; ok {
			names = append(names, n)
		}
	}
	return names
}

var excerpt = sync.OnceValues(func() (*datasets.Log, error) {
	p, err := shareddata.Path(shareddata.Assistments2009)
	if err != nil {
		return nil, err
	}
	log, _, err := datasets.ImportLog(context.Background(), assistments.New2009(), p)
	return log, err
})

func loadExcerpt(t *testing.T) *datasets.Log {
	t.Helper()
	shareddata.MustPath(t, shareddata.Assistments2009)
	log, err := excerpt()
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func checkAgainstReference(t *testing.T, lb *evaluate.Leaderboard) {
	t.Helper()
	if lb.Attempts != 15882 || lb.TrainLearners != 190 || lb.TestLearners != 60 || lb.TestAttempts != 4469 {
		t.Errorf("split: %d attempts, %d/%d learners, %d test attempts; reference 15882, 190/60, 4469",
			lb.Attempts, lb.TrainLearners, lb.TestLearners, lb.TestAttempts)
	}
	const tol = 0.005
	for _, s := range lb.Models {
		ref := reference[s.Name]
		got := [4]float64{s.AUCInd, s.LogLossInd, s.ECEInd, s.AUCSup}
		for k, name := range []string{"AUC ind", "log-loss", "ECE", "AUC sup"} {
			if math.IsNaN(got[k]) || math.Abs(got[k]-ref[k]) > tol {
				t.Errorf("%s %s = %.4f, reference %.4f", s.Name, name, got[k], ref[k])
			}
		}
	}
	var sb strings.Builder
	lb.WriteTable(&sb)
	t.Log("\n" + sb.String())
}

func TestExcerptMatchesReference(t *testing.T) {
	log := loadExcerpt(t)
	lb, err := Evaluate(context.Background(), log, referenceFamilies(), evaluate.Options{Params: referenceParams})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstReference(t, lb)
}

// TestExcerptTuningMatchesReference runs the full protocol with each
// family's own hyperparameter search on the train learners and checks that
// it lands on the reference's choices and numbers.
func TestExcerptTuningMatchesReference(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("tunes every family on the excerpt (slow under -short / -race)")
	}
	log := loadExcerpt(t)
	var fams []models.Family
	for _, name := range referenceFamilies() {
		f, _ := Lookup(name)
		fams = append(fams, &keepModel{Family: f})
	}
	lb, err := evaluate.Run(context.Background(), log, fams, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		k := f.(*keepModel)
		b, err := k.m.MarshalParams()
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for key, want := range referenceParams[f.Name()] {
			if got, _ := p[key].(float64); math.Abs(got-toFloat(want)) > 1e-12 {
				t.Errorf("%s chose %s = %v, reference chose %v", f.Name(), key, p[key], want)
			}
		}
	}
	checkAgainstReference(t, lb)
}

// keepModel is a family that remembers the model its Fit returned.
type keepModel struct {
	models.Family
	m models.Model
}

func (k *keepModel) Fit(ctx context.Context, train *datasets.Log, opts models.FitOptions) (models.Model, error) {
	m, err := k.Family.Fit(ctx, train, opts)
	k.m = m
	return m, err
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// TestEveryFamilyIsOnline checks, for every family in the catalog, that
// changing the second half of each test learner's history never changes a
// prediction for the first half.
func TestEveryFamilyIsOnline(t *testing.T) {
	log := firstLearners(loadExcerpt(t), 90)
	opts := evaluate.Options{Params: referenceParams}
	before, err := evaluate.Run(context.Background(), log, All(), opts)
	if err != nil {
		t.Fatal(err)
	}
	after, err := evaluate.Run(context.Background(), perturbLaterHalf(log), All(), opts)
	if err != nil {
		t.Fatal(err)
	}
	early := earlyHalf(before.Test)
	for m, s := range before.Models {
		changedLater := false
		for k, p := range s.Predictions {
			q := after.Models[m].Predictions[k]
			if early[k] && p != q {
				t.Errorf("%s: attempt %+v: prediction %v became %v when later attempts changed", s.Name, before.Test[k], p, q)
				break
			}
			changedLater = changedLater || p != q
		}
		if !changedLater && s.Name != "itemmean" { // itemmean ignores history by design
			t.Errorf("%s: no later prediction changed; the perturbation did not reach the learner", s.Name)
		}
	}
}

// TestEveryFamilyRoundTrips checks that MarshalParams then Unmarshal gives
// a model with the same online predictions.
func TestEveryFamilyRoundTrips(t *testing.T) {
	log := firstLearners(loadExcerpt(t), 60)
	train := protocol.Subset(log, func(id string) bool { return protocol.LearnerFold(id) != protocol.TestFold })
	hist := log.Histories()
	for _, f := range All() {
		m, err := f.Fit(context.Background(), train, fitOptions(f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalParams()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"format_version":`) {
			t.Errorf("%s params lack format_version: %.80s", f.Name(), b)
		}
		back, err := f.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		if back.Family() != f.Name() {
			t.Errorf("unmarshalled family %q, want %q", back.Family(), f.Name())
		}
		for _, h := range hist {
			p, q := protocol.Replay(m, log, h), protocol.Replay(back, log, h)
			if !slices.Equal(p, q) {
				t.Fatalf("%s: predictions differ after a params round trip", f.Name())
			}
		}
		if _, err := f.Unmarshal([]byte(`{"format_version":99}`)); err == nil {
			t.Errorf("%s accepted format_version 99", f.Name())
		}
	}
}

// firstLearners keeps the n learners with the smallest ids.
func firstLearners(log *datasets.Log, n int) *datasets.Log {
	ids := slices.Clone(log.Learners.IDs())
	sort.Strings(ids)
	keep := map[string]bool{}
	for _, id := range ids[:min(n, len(ids))] {
		keep[id] = true
	}
	return protocol.Subset(log, func(id string) bool { return keep[id] })
}

// perturbLaterHalf returns a copy of log in which the second half of every
// test learner's attempts (by Seq) has its outcomes flipped and its support
// changed.
func perturbLaterHalf(log *datasets.Log) *datasets.Log {
	late := map[int]bool{}
	for _, h := range log.Histories() {
		for _, row := range h[len(h)/2:] {
			late[int(row)] = true
		}
	}
	out := datasets.NewLog(log.GroupNames...)
	for i := 0; i < log.Len(); i++ {
		a := log.At(i)
		if late[i] && protocol.LearnerFold(a.Learner) == protocol.TestFold {
			a.Independent = !a.Independent
			a.HintsUsed, a.Retries = max(a.HintsAvailable, 1), a.Retries+3
			a.AnswerGiven, a.Supported = !a.AnswerGiven, !a.Supported
		}
		out.Append(&a)
	}
	return out
}

// earlyHalf marks the test attempts in the first half of their learner's
// history (Test lists each learner's attempts together, in Seq order).
func earlyHalf(test []evaluate.TestAttempt) []bool {
	n := map[string]int{}
	for _, a := range test {
		n[a.Learner]++
	}
	out := make([]bool, len(test))
	pos := map[string]int{}
	for k, a := range test {
		out[k] = pos[a.Learner] < n[a.Learner]/2
		pos[a.Learner]++
	}
	return out
}

// TestCrosscheckFile evaluates every family on the ASSISTments 2009 CSV
// named by ZPD_CROSSCHECK_CSV and logs the leaderboard; it lets
// bench/crosscheck_reference.sh compare any such file with the reference
// before the zpd eval command exists.
func TestCrosscheckFile(t *testing.T) {
	path := os.Getenv("ZPD_CROSSCHECK_CSV")
	if path == "" {
		t.Skip("ZPD_CROSSCHECK_CSV not set")
	}
	log, _, err := datasets.ImportLog(context.Background(), assistments.New2009(), path)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Evaluate(context.Background(), log, nil, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := lb.WriteTable(&sb); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + sb.String())
}
