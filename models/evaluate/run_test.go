package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/zpd-project/zpd/models/protocol"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
)

// synthLog returns a log of n learners (ids "1".."n") with 5..24 attempts
// each, appended in shuffled order so that log order is not Seq order.
func synthLog(n int, seed uint64) *datasets.Log {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rows []datasets.Attempt
	for u := 1; u <= n; u++ {
		k := 5 + rng.IntN(20)
		for s := 0; s < k; s++ {
			a := datasets.NewAttempt()
			a.Learner = strconv.Itoa(u)
			a.Item = "i" + strconv.Itoa(rng.IntN(15))
			a.Skills = []string{"s" + strconv.Itoa(rng.IntN(4))}
			a.Seq = int64(100*s + rng.IntN(50))
			a.Independent = rng.Float64() < 0.6
			a.HintsAvailable = 3
			if !a.Independent {
				a.HintsUsed = int32(rng.IntN(4))
				a.Retries = int32(rng.IntN(3))
			}
			a.AnswerGiven = a.HintsUsed >= 3
			a.Supported = !a.AnswerGiven
			a.ResponseMS = float64(1000 + rng.IntN(9000))
			rows = append(rows, a)
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	log := datasets.NewLog()
	for i := range rows {
		log.Append(&rows[i])
	}
	return log
}

// spy is a family that records what it is shown. Its learners predict the
// running success rate (so predictions depend on history), and they would
// cheat by echoing the outcome if Predict could see it.
type spy struct {
	name string
	mu   sync.Mutex
	// fitLearners are the learner ids of every log passed to Fit.
	fitLearners []string
	// leaks describes every Predict call that saw an outcome or support field.
	leaks []string
	// order[learner] lists the Seq of each Predict call, then of each Observe.
	predicted, observed map[string][]int64
	outcomes            int // Observe calls that saw a success alone
}

func newSpy(name string) *spy {
	return &spy{name: name, predicted: map[string][]int64{}, observed: map[string][]int64{}}
}

func (s *spy) Name() string { return s.name }

func (s *spy) Fit(_ context.Context, train *datasets.Log, _ models.FitOptions) (models.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fitLearners = append(s.fitLearners, train.Learners.IDs()...)
	return spyModel{s}, nil
}

func (s *spy) Unmarshal([]byte) (models.Model, error) { return spyModel{s}, nil }

type spyModel struct{ s *spy }

func (m spyModel) Family() string                 { return m.s.name }
func (m spyModel) MarshalParams() ([]byte, error) { return []byte("{}"), nil }
func (m spyModel) NewLearner() models.Learner     { return &spyLearner{s: m.s} }

type spyLearner struct {
	s         *spy
	n, succ   float64
	lastSeen  int64
	predicted bool
}

func (l *spyLearner) Predict(a *datasets.Attempt) models.Prediction {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Independent || a.Supported || a.HintsUsed != 0 || a.Retries != 0 || a.Scaffolded || a.AnswerGiven ||
		a.HintsAvailable != datasets.Unknown || !math.IsNaN(a.ResponseMS) {
		s.leaks = append(s.leaks, a.Learner+"/"+strconv.FormatInt(a.Seq, 10))
	}
	s.predicted[a.Learner] = append(s.predicted[a.Learner], a.Seq)
	p := (l.succ + 1) / (l.n + 2)
	if a.Independent { // a cheat that only works if the outcome leaks
		p = 1
	}
	return models.Prediction{Independent: p, Supported: 1 - p}
}

func (l *spyLearner) Observe(a *datasets.Attempt) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observed[a.Learner] = append(s.observed[a.Learner], a.Seq)
	l.n++
	if a.Independent {
		l.succ++
		s.outcomes++
	}
}

func TestRunKeepsTestLearnersOutOfFit(t *testing.T) {
	log := synthLog(60, 1)
	sp := newSpy("spy")
	lb, err := Run(context.Background(), log, []models.Family{sp}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var trainWant []string
	for _, id := range log.Learners.IDs() {
		if protocol.LearnerFold(id) != protocol.TestFold {
			trainWant = append(trainWant, id)
		}
	}
	got := slices.Sorted(slices.Values(sp.fitLearners))
	slices.Sort(trainWant)
	if !slices.Equal(got, trainWant) {
		t.Errorf("Fit saw learners %v, want the train learners %v", got, trainWant)
	}
	if lb.TestLearners == 0 || lb.TrainLearners+lb.TestLearners != 60 {
		t.Errorf("split %d train + %d test learners, want 60 with some test", lb.TrainLearners, lb.TestLearners)
	}
	for u := range sp.predicted {
		if protocol.LearnerFold(u) != protocol.TestFold {
			t.Errorf("train learner %s was predicted", u)
		}
	}
}

func TestRunPredictNeverSeesOutcomes(t *testing.T) {
	log := synthLog(60, 2)
	sp := newSpy("spy")
	lb, err := Run(context.Background(), log, []models.Family{sp}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.leaks) > 0 {
		t.Errorf("Predict saw outcome or support fields for %d attempts, e.g. %s", len(sp.leaks), sp.leaks[0])
	}
	if sp.outcomes == 0 {
		t.Fatal("Observe never saw a success: the spy cannot tell blind from real attempts")
	}
	// The cheat (p = 1 when the outcome shows) never fires: no prediction is 1.
	for k, p := range lb.Models[0].Predictions {
		if p.Independent == 1 {
			t.Fatalf("test attempt %+v predicted with certainty: outcome leaked", lb.Test[k])
		}
	}
}

func TestRunPredictsInSeqOrderBeforeObserving(t *testing.T) {
	log := synthLog(60, 3)
	sp := newSpy("spy")
	lb, err := Run(context.Background(), log, []models.Family{sp}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int64{}
	for i, u := range log.Learner {
		id := log.Learners.ID(u)
		if protocol.LearnerFold(id) == protocol.TestFold {
			want[id] = append(want[id], log.Seq[i])
		}
	}
	n := 0
	for id, seqs := range want {
		slices.Sort(seqs)
		n += len(seqs)
		if !slices.Equal(sp.predicted[id], seqs) || !slices.Equal(sp.observed[id], seqs) {
			t.Errorf("learner %s: predicted %v, observed %v; want Seq order %v", id, sp.predicted[id], sp.observed[id], seqs)
		}
	}
	if n != lb.TestAttempts || len(lb.Test) != n || len(lb.Models[0].Predictions) != n {
		t.Errorf("test attempts: log has %d, leaderboard %d/%d/%d", n, lb.TestAttempts, len(lb.Test), len(lb.Models[0].Predictions))
	}
}

// TestRunLaterAttemptsNeverChangeEarlierPredictions perturbs the second half
// of every test learner's history and checks the first half's predictions.
func TestRunLaterAttemptsNeverChangeEarlierPredictions(t *testing.T) {
	log := synthLog(60, 4)
	before, err := Run(context.Background(), log, []models.Family{newSpy("spy")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	changed := perturbLaterHalf(log)
	after, err := Run(context.Background(), changed, []models.Family{newSpy("spy")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	early := earlyHalf(before.Test)
	var laterDiffers bool
	for k, p := range before.Models[0].Predictions {
		q := after.Models[0].Predictions[k]
		if early[k] && p != q {
			t.Errorf("attempt %+v: prediction %v became %v after later attempts changed", before.Test[k], p, q)
		}
		laterDiffers = laterDiffers || p != q
	}
	if !laterDiffers {
		t.Error("perturbation changed no prediction at all: the test cannot detect leakage")
	}
}

// perturbLaterHalf returns a copy of log in which the second half of every
// test learner's attempts (by Seq) has its outcome flipped and support changed.
func perturbLaterHalf(log *datasets.Log) *datasets.Log {
	out := datasets.NewLog(log.GroupNames...)
	late := map[int]bool{}
	for _, h := range log.Histories() {
		for k, row := range h {
			if k >= len(h)/2 {
				late[int(row)] = true
			}
		}
	}
	for i := 0; i < log.Len(); i++ {
		a := log.At(i)
		if late[i] && protocol.LearnerFold(a.Learner) == protocol.TestFold {
			a.Independent = !a.Independent
			a.HintsUsed, a.Retries = a.HintsAvailable, a.Retries+3
			a.AnswerGiven, a.Supported = !a.AnswerGiven, !a.Supported
		}
		out.Append(&a)
	}
	return out
}

// earlyHalf marks the test attempts in the first half of their learner's history.
func earlyHalf(test []TestAttempt) []bool {
	n := map[string]int{}
	for _, t := range test {
		n[t.Learner]++
	}
	out := make([]bool, len(test))
	pos := map[string]int{}
	for k, t := range test {
		out[k] = pos[t.Learner] < n[t.Learner]/2
		pos[t.Learner]++
	}
	return out
}

func TestRunMetricsMatchPredictions(t *testing.T) {
	log := synthLog(80, 5)
	lb, err := Run(context.Background(), log, []models.Family{newSpy("a"), newSpy("b")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := lb.Models[1]
	var y, ySup []bool
	var p, pSup []float64
	for k, ta := range lb.Test {
		y = append(y, ta.Independent)
		p = append(p, s.Predictions[k].Independent)
		if !ta.Independent {
			ySup = append(ySup, ta.Supported)
			pSup = append(pSup, s.Predictions[k].Supported)
		}
	}
	if s.Name != "b" || s.AUCInd != AUC(y, p) || s.LogLossInd != LogLoss(y, p) || s.ECEInd != ECE(y, p, 10) || s.AUCSup != AUC(ySup, pSup) {
		t.Errorf("score %+v disagrees with the metrics of its predictions", s)
	}
	if len(ySup) == 0 || len(ySup) == len(y) {
		t.Fatalf("synthetic log has %d failed-alone of %d test attempts", len(ySup), len(y))
	}
}

func TestRunRejects(t *testing.T) {
	ctx := context.Background()
	log := synthLog(30, 6)
	if _, err := Run(ctx, log, nil, Options{}); err == nil {
		t.Error("no families accepted")
	}
	if _, err := Run(ctx, log, []models.Family{newSpy("x"), newSpy("x")}, Options{}); err == nil {
		t.Error("duplicate family names accepted")
	}
	if _, err := Run(ctx, datasets.NewLog(), []models.Family{newSpy("x")}, Options{}); err == nil {
		t.Error("empty log accepted")
	}
	bad := badFamily{}
	if _, err := Run(ctx, log, []models.Family{bad}, Options{}); err == nil || !strings.Contains(err.Error(), "not a probability") {
		t.Errorf("NaN prediction: err = %v, want a probability error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cancelled, log, []models.Family{newSpy("x")}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

type badFamily struct{}

func (badFamily) Name() string { return "bad" }
func (badFamily) Fit(context.Context, *datasets.Log, models.FitOptions) (models.Model, error) {
	return badModel{}, nil
}
func (badFamily) Unmarshal([]byte) (models.Model, error) { return badModel{}, nil }

type badModel struct{}

func (badModel) Family() string                 { return "bad" }
func (badModel) MarshalParams() ([]byte, error) { return nil, nil }
func (badModel) NewLearner() models.Learner     { return badModel{} }
func (badModel) Predict(*datasets.Attempt) models.Prediction {
	return models.Prediction{Independent: math.NaN()}
}
func (badModel) Observe(*datasets.Attempt) {}

func TestLeaderboardJSON(t *testing.T) {
	lb := &Leaderboard{Attempts: 10, TrainLearners: 3, TestLearners: 1, TrainAttempts: 7, TestAttempts: 3,
		Models: []ModelScore{{Name: "m", AUCInd: 0.75, LogLossInd: 0.5, ECEInd: 0.125, AUCSup: math.NaN(),
			Predictions: []models.Prediction{{Independent: 0.5}}}}}
	var buf bytes.Buffer
	if err := lb.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Models []map[string]any `json:"models"`
		Test   *int             `json:"test_attempts"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want := map[string]any{"name": "m", "auc_ind": 0.75, "logloss_ind": 0.5, "ece_ind": 0.125, "auc_sup": nil}
	if len(raw.Models) != 1 || len(raw.Models[0]) != len(want) {
		t.Fatalf("models = %v, want exactly %v", raw.Models, want)
	}
	for k, v := range want {
		if got, ok := raw.Models[0][k]; !ok || got != v {
			t.Errorf("models[0][%q] = %v, want %v", k, got, v)
		}
	}
	if raw.Test == nil || *raw.Test != 3 {
		t.Errorf("test_attempts = %v, want 3", raw.Test)
	}
	var back Leaderboard
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if m := back.Models[0]; m.Name != "m" || m.AUCInd != 0.75 || !math.IsNaN(m.AUCSup) {
		t.Errorf("round trip gave %+v", m)
	}
	var table bytes.Buffer
	if err := lb.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if s := table.String(); !strings.Contains(s, "0.7500") || !strings.Contains(s, " m ") && !strings.Contains(s, "m  ") {
		t.Errorf("table lacks the score:\n%s", s)
	}
}
