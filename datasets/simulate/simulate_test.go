package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
)

// testConfig is a small population for fast statistical tests.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Learners = 300
	cfg.MinAttempts, cfg.MaxAttempts = 60, 80
	cfg.Items = 150
	cfg.Skills = 10
	return cfg
}

func simulateLog(t *testing.T, cfg Config) (*datasets.Log, *Truth) {
	t.Helper()
	log, truth, err := SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return log, truth
}

// replayed is one attempt with the model's probabilities at that attempt,
// recomputed from the ground truth and the learner's earlier outcomes as
// docs/simulator.md states them, independently of the simulator's code.
type replayed struct {
	row         int
	learner     LearnerTruth
	item        ItemTruth
	ability     float64 // a, effective ability alone
	pIndep      float64 // σ(a − b)
	pSupported  float64 // σ(a + ε·1 − b)
	independent bool
	supported   bool
}

func replay(t *testing.T, log *datasets.Log, truth *Truth) []replayed {
	t.Helper()
	items := make(map[string]ItemTruth, len(truth.Items))
	for _, it := range truth.Items {
		items[it.ID] = it
	}
	cfg := truth.Config
	var out []replayed
	for u, rows := range log.Histories() {
		lt := truth.Learners[u]
		if lt.ID != log.Learners.ID(int32(u)) {
			t.Fatalf("log learner %d is %s, truth learner %d is %s", u, log.Learners.ID(int32(u)), u, lt.ID)
		}
		practice := map[string]float64{} // Σ γ·n per skill
		for _, r := range rows {
			it, ok := items[log.Items.ID(log.Item[r])]
			if !ok {
				t.Fatalf("row %d: item %s not in truth", r, log.Items.ID(log.Item[r]))
			}
			a := lt.Theta
			if cfg.Learning {
				s := 0.0
				for _, k := range it.Skills {
					s += practice[k]
				}
				a += s / float64(len(it.Skills))
			}
			rp := replayed{
				row: int(r), learner: lt, item: it, ability: a,
				pIndep:      1 / (1 + math.Exp(-(a - it.Difficulty))),
				pSupported:  1 / (1 + math.Exp(-(a + lt.Elasticity - it.Difficulty))),
				independent: log.Independent[r], supported: log.Supported[r],
			}
			out = append(out, rp)
			gain := cfg.GammaFailure
			switch {
			case rp.independent:
				gain = cfg.GammaIndependent
			case rp.supported:
				gain = cfg.GammaSupported
			}
			for _, k := range it.Skills {
				practice[k] += gain
			}
		}
	}
	return out
}

// checkRate asserts that the observed success count over rows agrees with
// the sum of the model's probabilities within 4 binomial standard errors.
func checkRate(t *testing.T, what string, outcomes []bool, probs []float64) {
	t.Helper()
	if len(outcomes) < 1000 {
		t.Fatalf("%s: only %d attempts; too few to test", what, len(outcomes))
	}
	var observed, expected, variance float64
	for i, p := range probs {
		if outcomes[i] {
			observed++
		}
		expected += p
		variance += p * (1 - p)
	}
	tol := 4 * math.Sqrt(variance)
	if math.Abs(observed-expected) > tol {
		t.Errorf("%s: %v successes in %d attempts, model expects %.1f ± %.1f", what, observed, len(outcomes), expected, tol)
	}
}

func TestSameSeedSameOutput(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = 3
	cfg.Workers = 1
	log1, truth1 := simulateLog(t, cfg)
	cfg.Workers = 3
	log2, truth2 := simulateLog(t, cfg)
	if msg := diffLogs(log1, log2); msg != "" {
		t.Errorf("same seed, 1 vs 3 workers: %s", msg)
	}
	truth2.Config.Workers = truth1.Config.Workers
	if !reflect.DeepEqual(truth1, truth2) {
		t.Error("same seed, 1 vs 3 workers: truths differ")
	}

	cfg.Seed++
	log3, truth3 := simulateLog(t, cfg)
	if truth3.Learners[0].Theta == truth1.Learners[0].Theta || truth3.Items[0].Difficulty == truth1.Items[0].Difficulty {
		t.Error("different seeds drew the same first learner or item")
	}
	if reflect.DeepEqual(log1.Independent, log3.Independent) {
		t.Error("different seeds gave the same outcomes")
	}
}

func TestSinkAndLogAgree(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = 2
	fast, _ := simulateLog(t, cfg)
	viaSink := datasets.NewLog(GroupNames(cfg)...)
	if _, err := Simulate(cfg, LogSink{viaSink}); err != nil {
		t.Fatal(err)
	}
	if msg := diffLogs(fast, viaSink); msg != "" {
		t.Errorf("SimulateLog vs Simulate into a LogSink: %s", msg)
	}
}

// diffLogs describes the first difference between two logs, row by row and
// in the order ids were interned; "" when they are the same.
func diffLogs(a, b *datasets.Log) string {
	if a.Len() != b.Len() {
		return fmt.Sprintf("%d rows vs %d", a.Len(), b.Len())
	}
	for i := 0; i < a.Len(); i++ {
		if x, y := a.At(i), b.At(i); !sameAttempt(x, y) {
			return fmt.Sprintf("row %d: %+v vs %+v", i, x, y)
		}
	}
	if !reflect.DeepEqual(a.Learners.IDs(), b.Learners.IDs()) || !reflect.DeepEqual(a.Items.IDs(), b.Items.IDs()) ||
		!reflect.DeepEqual(a.SkillIDs.IDs(), b.SkillIDs.IDs()) || !reflect.DeepEqual(a.GroupNames, b.GroupNames) {
		return "ids interned in a different order"
	}
	return ""
}

// sameAttempt compares attempts, treating NaN as equal to NaN.
func sameAttempt(a, b datasets.Attempt) bool {
	nanSafe := func(x float64) float64 {
		if math.IsNaN(x) {
			return -1e300
		}
		return x
	}
	a.ResponseMS, b.ResponseMS = nanSafe(a.ResponseMS), nanSafe(b.ResponseMS)
	a.Difficulty, b.Difficulty = nanSafe(a.Difficulty), nanSafe(b.Difficulty)
	return reflect.DeepEqual(a, b)
}

func TestRatesMatchModel(t *testing.T) {
	for _, learning := range []bool{false, true} {
		name := map[bool]string{false: "static", true: "learning"}[learning]
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Learning = learning
			if learning {
				// Only supported successes teach, and strongly, so that a
				// learning term counting the wrong outcomes would show.
				cfg.GammaIndependent, cfg.GammaSupported, cfg.GammaFailure = 0, 0.2, 0
			}
			log, truth := simulateLog(t, cfg)
			// Check within slices of the population, where a wrong term
			// cannot hide behind errors cancelling over the whole log.
			type slice struct {
				name    string
				outcome []bool
				p       []float64
			}
			slices := map[string]*slice{}
			add := func(name string, outcome bool, p float64) {
				s := slices[name]
				if s == nil {
					s = &slice{name: name}
					slices[name] = s
				}
				s.outcome = append(s.outcome, outcome)
				s.p = append(s.p, p)
			}
			for _, r := range replay(t, log, truth) {
				learned := fmt.Sprintf("a−θ in [%g, %g)", math.Floor(2*(r.ability-r.learner.Theta))/2, math.Floor(2*(r.ability-r.learner.Theta))/2+0.5)
				if r.ability-r.learner.Theta >= 1 {
					learned = "a−θ ≥ 1"
				}
				add("independent success, all", r.independent, r.pIndep)
				add("independent success, "+learned, r.independent, r.pIndep)
				if r.independent {
					continue
				}
				eps := "ε < 0.7"
				switch {
				case r.learner.Elasticity > 1.3:
					eps = "ε > 1.3"
				case r.learner.Elasticity >= 0.7:
					eps = "0.7 ≤ ε ≤ 1.3"
				}
				add("success with support after failing alone, all", r.supported, r.pSupported)
				add("success with support after failing alone, "+eps, r.supported, r.pSupported)
				add("success with support after failing alone, "+learned, r.supported, r.pSupported)
			}
			for _, s := range slices {
				if len(s.outcome) >= 1000 {
					checkRate(t, s.name, s.outcome, s.p)
				}
			}
		})
	}
}

func TestLearningRaisesAbility(t *testing.T) {
	cfg := testConfig()
	cfg.GammaIndependent, cfg.GammaSupported, cfg.GammaFailure = 0.05, 0.15, 0.01
	log, truth := simulateLog(t, cfg)
	// Compare observed independent success with what θ alone predicts:
	// late attempts must beat it by more than early ones.
	var early, late, nEarly, nLate float64
	for _, r := range replay(t, log, truth) {
		if r.ability < r.learner.Theta {
			t.Fatalf("row %d: effective ability %.3f below θ %.3f with positive gains", r.row, r.ability, r.learner.Theta)
		}
		excess := b2f(r.independent) - PIndependent(r.learner.Theta, r.item.Difficulty)
		switch seq := log.Seq[r.row]; {
		case seq < 10:
			early += excess
			nEarly++
		case seq >= 50:
			late += excess
			nLate++
		}
	}
	earlyExcess, lateExcess := early/nEarly, late/nLate
	if lateExcess < earlyExcess+0.05 {
		t.Errorf("success above θ's prediction: early %.3f, late %.3f; want late clearly higher", earlyExcess, lateExcess)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestSupportRisesWithElasticity(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 400
	cfg.Correlation = 0 // so ε does not stand in for θ
	cfg.Learning = false
	log, truth := simulateLog(t, cfg)
	byEps := make([]int, len(truth.Learners))
	for i := range byEps {
		byEps[i] = i
	}
	sort.Slice(byEps, func(a, b int) bool { return truth.Learners[byEps[a]].Elasticity < truth.Learners[byEps[b]].Elasticity })
	quartile := make([]int, len(truth.Learners))
	for rank, i := range byEps {
		quartile[i] = 4 * rank / len(byEps)
	}
	var succ, n [4]float64
	for r := 0; r < log.Len(); r++ {
		if log.Independent[r] {
			continue
		}
		q := quartile[log.Learner[r]]
		succ[q] += b2f(log.Supported[r])
		n[q]++
	}
	for q := 1; q < 4; q++ {
		lo, hi := succ[q-1]/n[q-1], succ[q]/n[q]
		if hi <= lo {
			t.Errorf("success with support among failures: ε quartile %d %.3f, quartile %d %.3f; want rising", q, lo, q+1, hi)
		}
	}
}

func TestAdaptiveHitsTarget(t *testing.T) {
	miss := func(a Assignment) float64 {
		cfg := testConfig()
		cfg.Assignment = a
		log, truth := simulateLog(t, cfg)
		sum := 0.0
		rows := replay(t, log, truth)
		for _, r := range rows {
			sum += math.Abs(r.pSupported - cfg.AdaptiveTarget)
		}
		return sum / float64(len(rows))
	}
	random, adaptive := miss(Random), miss(Adaptive)
	if adaptive > random/2 || adaptive > 0.05 {
		t.Errorf("mean |P(success with support) − target|: adaptive %.3f, random %.3f; want adaptive below 0.05 and half of random", adaptive, random)
	}
}

func TestSupportSignals(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = 3
	log, truth := simulateLog(t, cfg)
	items := map[string]ItemTruth{}
	for _, it := range truth.Items {
		items[it.ID] = it
	}
	var scaffolded, hinted, given, supportedAfterFail int
	for r := 0; r < log.Len(); r++ {
		a := log.At(r)
		it := items[a.Item]
		where := func(msg string) { t.Fatalf("row %d: %s: %+v", r, msg, a) }
		if a.HintsAvailable != it.HintsAvailable || !reflect.DeepEqual(a.Skills, it.Skills) {
			where("item metadata differs from truth")
		}
		if a.Groups[0] != truth.Learners[log.Learner[r]].Group {
			where("group differs from truth")
		}
		if !math.IsNaN(a.Difficulty) {
			where("difficulty exposed by default")
		}
		if !(a.ResponseMS >= 1) {
			where("response time not positive")
		}
		if a.Independent {
			if !a.Supported || a.HintsUsed != 0 || a.Retries != 0 || a.AnswerGiven || a.Scaffolded {
				where("independent success with support signals")
			}
			continue
		}
		if a.AnswerGiven == a.Supported {
			where("after failing alone, AnswerGiven must be !Supported")
		}
		if a.HintsAvailable == 0 {
			scaffolded++
			if !a.Scaffolded || a.HintsUsed != 0 {
				where("failure on an item without hints must be scaffolded, without hints")
			}
		} else {
			hinted++
			if a.Scaffolded {
				where("scaffolded on an item with hints")
			}
			// The evaluation protocol's label: given away iff all hints taken.
			if allHints := a.HintsUsed >= a.HintsAvailable; allHints != a.AnswerGiven {
				where("AnswerGiven disagrees with hints used >= hints available")
			}
			if a.Supported && a.SupportUsed() < 1 {
				where("succeeded with support but used none")
			}
		}
		if a.AnswerGiven {
			given++
		} else {
			supportedAfterFail++
		}
	}
	for name, n := range map[string]int{"scaffolded": scaffolded, "hinted": hinted, "answer given": given, "supported": supportedAfterFail} {
		if n < 100 {
			t.Errorf("only %d %s failures; the checks above saw too few", n, name)
		}
	}
}

func TestOrderAndTime(t *testing.T) {
	log, truth := simulateLog(t, testConfig())
	for u, rows := range log.Histories() {
		if len(rows) != truth.Learners[u].Attempts {
			t.Fatalf("learner %d: %d rows, truth says %d", u, len(rows), truth.Learners[u].Attempts)
		}
		for k, r := range rows {
			if log.Seq[r] != int64(k) {
				t.Fatalf("learner %d: attempt %d has Seq %d", u, k, log.Seq[r])
			}
			if k > 0 && log.TimeMS[r] <= log.TimeMS[rows[k-1]] {
				t.Fatalf("learner %d: attempt %d not after attempt %d", u, k, k-1)
			}
		}
		if start := truth.Config.Start.UnixMilli(); log.TimeMS[rows[0]] < start {
			t.Fatalf("learner %d starts before Config.Start", u)
		}
	}
	if int64(log.Len()) != truth.Attempts {
		t.Errorf("log has %d rows, Truth.Attempts %d", log.Len(), truth.Attempts)
	}
}

func TestSupportGrowsWithGap(t *testing.T) {
	cfg := testConfig()
	cfg.Learning = false
	log, truth := simulateLog(t, cfg)
	type acc struct{ hints, retries, logRT, n float64 }
	var near, far acc // failures on items within reach vs far beyond
	for _, r := range replay(t, log, truth) {
		i := r.row
		if r.independent || !r.supported || r.item.HintsAvailable < 3 {
			continue
		}
		gap := r.item.Difficulty - r.ability
		var a *acc
		switch {
		case gap < 0:
			a = &near
		case gap > 1.5:
			a = &far
		default:
			continue
		}
		a.hints += float64(log.HintsUsed[i])
		a.retries += float64(log.Retries[i])
		a.logRT += math.Log(log.ResponseMS[i])
		a.n++
	}
	if near.n < 50 || far.n < 50 {
		t.Fatalf("too few supported successes to compare: %v near, %v far", near.n, far.n)
	}
	if far.hints/far.n <= near.hints/near.n || far.retries/far.n <= near.retries/near.n || far.logRT/far.n <= near.logRT/near.n {
		t.Errorf("mean hints, retries, ln ms: near %.2f %.2f %.2f, far %.2f %.2f %.2f; want far higher in each",
			near.hints/near.n, near.retries/near.n, near.logRT/near.n, far.hints/far.n, far.retries/far.n, far.logRT/far.n)
	}
}

func TestGroupThetaShift(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 2000
	cfg.MinAttempts, cfg.MaxAttempts = 1, 1
	cfg.Groups = 2
	cfg.GroupThetaShift = []float64{-1, 1}
	_, truth := simulateLog(t, cfg)
	var sum, n [2]float64
	for _, l := range truth.Learners {
		g := 0
		if l.Group == "school-1" {
			g = 1
		} else if l.Group != "school-0" {
			t.Fatalf("learner %s in group %q", l.ID, l.Group)
		}
		sum[g] += l.Theta
		n[g]++
	}
	diff := sum[1]/n[1] - sum[0]/n[0]
	// Standard error of a difference of means of SD-1 groups of ~1000.
	se := math.Sqrt(1/n[0] + 1/n[1])
	if math.Abs(diff-2) > 4*se {
		t.Errorf("mean θ school-1 − school-0 = %.3f, want 2 ± %.3f", diff, 4*se)
	}
}

func TestPopulationMoments(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 4000
	cfg.MinAttempts, cfg.MaxAttempts = 1, 1
	_, truth := simulateLog(t, cfg)
	n := float64(len(truth.Learners))
	var mt, me float64
	for _, l := range truth.Learners {
		mt += l.Theta / n
		me += l.Elasticity / n
	}
	var vt, ve, cov float64
	for _, l := range truth.Learners {
		vt += (l.Theta - mt) * (l.Theta - mt) / n
		ve += (l.Elasticity - me) * (l.Elasticity - me) / n
		cov += (l.Theta - mt) * (l.Elasticity - me) / n
	}
	rho := cov / math.Sqrt(vt*ve)
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean θ", mt, cfg.ThetaMean, 4 * cfg.ThetaSD / math.Sqrt(n)},
		{"mean ε", me, cfg.ElasticityMean, 4 * cfg.ElasticitySD / math.Sqrt(n)},
		{"SD θ", math.Sqrt(vt), cfg.ThetaSD, 4 * cfg.ThetaSD / math.Sqrt(2*n)},
		{"SD ε", math.Sqrt(ve), cfg.ElasticitySD, 4 * cfg.ElasticitySD / math.Sqrt(2*n)},
		{"correlation", rho, cfg.Correlation, 4 * (1 - cfg.Correlation*cfg.Correlation) / math.Sqrt(n)},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.3f, want %.3f ± %.3f", c.name, c.got, c.want, c.tol)
		}
	}
}

func TestPointOfDifficulty(t *testing.T) {
	l := LearnerTruth{Theta: 0.4, Elasticity: 1.3}
	for _, p := range []float64{0.2, 0.5, 0.8} {
		b := l.PointOfDifficulty(p)
		if got := PSupported(l.Theta, l.Elasticity, SupportOffered(nil), b); math.Abs(got-p) > 1e-12 {
			t.Errorf("P(success with support) at PointOfDifficulty(%v) = %v", p, got)
		}
	}
	if got := l.PointOfDifficulty(0.5); math.Abs(got-1.7) > 1e-12 {
		t.Errorf("PointOfDifficulty(0.5) = %v, want θ + ε = 1.7", got)
	}
}

type failingSink struct{ after, n int }

var errSinkFull = errors.New("sink full")

func (s *failingSink) Write(*datasets.Attempt) error {
	s.n++
	if s.n > s.after {
		return errSinkFull
	}
	return nil
}

func TestSinkError(t *testing.T) {
	cfg := testConfig()
	cfg.Learners = 2000 // many batches, so the pipeline is full when the sink fails
	sink := &failingSink{after: 12345}
	_, err := Simulate(cfg, sink)
	if !errors.Is(err, errSinkFull) {
		t.Fatalf("Simulate error = %v, want the sink's error", err)
	}
	if sink.n != sink.after+1 {
		t.Errorf("sink saw %d writes after failing at %d", sink.n, sink.after+1)
	}
	if !strings.Contains(err.Error(), "learner-") {
		t.Errorf("error %q does not name the learner", err)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"Learners", func(c *Config) { c.Learners = 0 }},
		{"MinAttempts", func(c *Config) { c.MinAttempts = 0 }},
		{"MaxAttempts", func(c *Config) { c.MaxAttempts = c.MinAttempts - 1 }},
		{"ThetaSD", func(c *Config) { c.ThetaSD = -1 }},
		{"ElasticitySD", func(c *Config) { c.ElasticitySD = math.NaN() }},
		{"ElasticityMean", func(c *Config) { c.ElasticityMean = math.Inf(1) }},
		{"Correlation", func(c *Config) { c.Correlation = 1.5 }},
		{"Skills", func(c *Config) { c.Skills = 0 }},
		{"TwoSkillShare", func(c *Config) { c.Skills, c.TwoSkillShare = 1, 0.5 }},
		{"TwoSkillShare", func(c *Config) { c.TwoSkillShare = -0.1 }},
		{"Items", func(c *Config) { c.Items = 0 }},
		{"ItemSD", func(c *Config) { c.ItemSD = -0.5 }},
		{"Assignment", func(c *Config) { c.Assignment = "greedy" }},
		{"AdaptiveTarget", func(c *Config) { c.AdaptiveTarget = 1 }},
		{"AdaptiveCandidates", func(c *Config) { c.AdaptiveCandidates = 0 }},
		{"MaxHints", func(c *Config) { c.MaxHints = 0 }},
		{"ScaffoldedShare", func(c *Config) { c.ScaffoldedShare = 2 }},
		{"ScaffoldRetryScale", func(c *Config) { c.ScaffoldRetryScale = -1 }},
		{"ResponseLogSD", func(c *Config) { c.ResponseLogSD = -1 }},
		{"Start", func(c *Config) { c.Start = time.Time{} }},
		{"GapMean", func(c *Config) { c.GapMean = -1 }},
		{"Groups", func(c *Config) { c.Groups = -1 }},
		{"GroupThetaShift", func(c *Config) { c.Groups, c.GroupThetaShift = 3, []float64{1} }},
		{"Workers", func(c *Config) { c.Workers = -2 }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("bad %s: Validate() = %v, want an error naming it", tt.field, err)
		}
		if _, _, serr := SimulateLog(cfg); serr == nil {
			t.Errorf("bad %s: SimulateLog ran", tt.field)
		}
	}
	// Several problems are all reported.
	cfg := DefaultConfig()
	cfg.Learners, cfg.Items = 0, 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "Learners") || !strings.Contains(err.Error(), "Items") {
		t.Errorf("two bad fields: Validate() = %v, want both named", err)
	}
	// Only scaffolded items need no hints.
	cfg = DefaultConfig()
	cfg.MaxHints, cfg.ScaffoldedShare = 0, 1
	if err := cfg.Validate(); err != nil {
		t.Errorf("all items scaffolded, MaxHints 0: %v", err)
	}
}

func TestChunkingKeepsOutput(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = 2
	whole, _ := simulateLog(t, cfg)
	for _, rows := range []int{1, 997, 5000} {
		gen := newGenerator(cfg)
		chunked := datasets.NewLog(GroupNames(cfg)...)
		var a datasets.Attempt
		chunks := 0
		err := gen.run(context.Background(), rows, func(c *chunk) error {
			chunks++
			for r := 0; r < c.log.Len(); r++ {
				c.attempt(r, &a)
				chunked.Append(&a)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if chunks < 2 {
			t.Fatalf("chunks of %d rows: only %d chunk", rows, chunks)
		}
		if msg := diffLogs(whole, chunked); msg != "" {
			t.Errorf("chunks of %d rows: %s", rows, msg)
		}
	}
}

func TestChunkEmitErrorStops(t *testing.T) {
	gen := newGenerator(testConfig())
	calls := 0
	err := gen.run(context.Background(), 500, func(*chunk) error {
		calls++
		if calls == 3 {
			return errSinkFull
		}
		return nil
	})
	if !errors.Is(err, errSinkFull) || calls != 3 {
		t.Errorf("run = %v after %d chunks, want the emit error after 3", err, calls)
	}
}
