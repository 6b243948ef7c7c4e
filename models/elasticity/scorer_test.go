package elasticity

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/numeric"
	"github.com/zpd-project/zpd/models"
)

// handModel is a small model with known parameters: two items, one skill.
func handModel(t testing.TB) *Model {
	t.Helper()
	cfg := DefaultConfig()
	p := &Params{
		Format: FormatName, Version: FormatVersion, Config: cfg,
		Mean:            [2]float64{0.2, 1.0},
		Cov:             [2][2]float64{{1, 0.2}, {0.2, 0.25}},
		Rates:           [nFeatures]float64{-0.1, 0.3, 0.2, -0.05, 0.1, 0.15},
		Items:           []string{"easy", "hard"},
		ItemSkillStart:  []int32{0, 1, 2},
		ItemSkills:      []int32{0, 0},
		Difficulty:      []float64{-1, 1.5},
		SupportEffect:   []float64{0.3, -0.2},
		Skills:          []string{"fractions"},
		SkillDifficulty: []float64{0.4},
		SkillSupport:    []float64{0.1},
		SkillRates:      [][nFeatures]float64{{0, 0.05, 0, 0, 0.02, 0}},
		ItemSD:          0.5,
		SupportSD:       0.3,
	}
	m, err := NewModel(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestScoreEmptyHistoryIsPrior(t *testing.T) {
	m := handModel(t)
	post := NewScorer(m).Score(&History{})
	p := m.Params()
	if post.Ability.Value != p.Mean[0] || post.Elasticity.Value != p.Mean[1] {
		t.Errorf("mode %v %v, want prior mean %v", post.Ability, post.Elasticity, p.Mean)
	}
	for i := range 2 {
		for j := range 2 {
			if math.Abs(post.Cov[i][j]-p.Cov[i][j]) > 1e-12 {
				t.Errorf("cov = %v, want prior %v", post.Cov, p.Cov)
			}
		}
	}
}

// TestDerivedThresholds checks the derived difficulties against their
// definitions: an item exactly at the ZAD edge is passed alone with
// probability mastery, one at the point of difficulty with support with
// probability reach.
func TestDerivedThresholds(t *testing.T) {
	m := handModel(t)
	var h History
	h.Add(0, nil, IndependentSuccess)
	h.Add(1, nil, SupportedSuccess)
	h.Add(1, nil, Failed)
	post := NewScorer(m).Score(&h)
	cfg := m.Params().Config
	if got := sigmoid(post.Ability.Value - post.ZADEdge.Value); math.Abs(got-cfg.Mastery) > 1e-12 {
		t.Errorf("P(independent) at ZAD edge = %v, want %v", got, cfg.Mastery)
	}
	if got := sigmoid(post.Ability.Value + post.Elasticity.Value - post.PointOfDifficulty.Value); math.Abs(got-cfg.Reach) > 1e-12 {
		t.Errorf("P(supported) at point of difficulty = %v, want %v", got, cfg.Reach)
	}
	if post.ZPD.Low != post.ZADEdge.Value || post.ZPD.High != post.PointOfDifficulty.Value {
		t.Errorf("ZPD %v does not span ZAD edge %v to point of difficulty %v", post.ZPD, post.ZADEdge, post.PointOfDifficulty)
	}
	if w := post.ZPD.High - post.ZPD.Low; math.Abs(w-post.ZPDWidth.Value) > 1e-12 {
		t.Errorf("ZPD width %v, band %v", post.ZPDWidth, post.ZPD)
	}
}

// TestPosteriorMode checks that Newton found the mode: the gradient of the
// log posterior vanishes there.
func TestPosteriorMode(t *testing.T) {
	m := handModel(t)
	var h History
	outs := []Outcome{IndependentSuccess, Failed, SupportedSuccess, SupportedSuccess, IndependentSuccess, Failed}
	for i, o := range outs {
		h.Add(int32(i%2), []int32{0}, o)
	}
	s := NewScorer(m)
	post := s.Score(&h)
	x := post.mode
	g, _, _ := s.gradHess(x)
	mu, prec := m.p.Mean, m.prec
	g[0] -= prec[0][0]*(x[0]-mu[0]) + prec[0][1]*(x[1]-mu[1])
	g[1] -= prec[1][0]*(x[0]-mu[0]) + prec[1][1]*(x[1]-mu[1])
	if math.Abs(g[0]) > 1e-8 || math.Abs(g[1]) > 1e-8 {
		t.Errorf("gradient at the mode = %v", g)
	}
}

// TestPosteriorDirection: successes alone raise ability; among attempts
// failed alone, success with support raises elasticity.
func TestPosteriorDirection(t *testing.T) {
	m := handModel(t)
	score := func(o Outcome, n int) Posterior {
		var h History
		for range n {
			h.Add(1, nil, o)
		}
		return NewScorer(m).Score(&h)
	}
	ind, sup, fail := score(IndependentSuccess, 10), score(SupportedSuccess, 10), score(Failed, 10)
	if !(ind.Ability.Value > sup.Ability.Value && ind.Ability.Value > fail.Ability.Value) {
		t.Errorf("ability: independent %v, supported %v, failed %v", ind.Ability, sup.Ability, fail.Ability)
	}
	if !(sup.Elasticity.Value > fail.Elasticity.Value) {
		t.Errorf("elasticity: supported %v, failed %v", sup.Elasticity, fail.Elasticity)
	}
	if !(ind.Ability.SD < m.p.Cov[0][0]) {
		t.Errorf("ten attempts did not narrow ability: SD %v", ind.Ability.SD)
	}
}

func TestReadinessZones(t *testing.T) {
	m := handModel(t)
	s := NewScorer(m)
	s.Score(&History{})
	tests := []struct {
		name string
		item int32
		want Zone
	}{
		{"easy item is mastered", 0, Mastered},
		{"hard item is beyond reach alone", 1, Proximal},
	}
	for _, tc := range tests {
		r := s.Readiness(tc.item, nil)
		// zone follows from the reported credibilities and the rule
		want := Proximal
		if c := m.p.Config.ZoneCredibility; r.PMastered >= c {
			want = Mastered
		} else if 1-r.PReach >= c {
			want = BeyondReach
		}
		if r.Zone != want {
			t.Errorf("%s: zone %v but probabilities %v %v imply %v", tc.name, r.Zone, r.Independent, r.Supported, want)
		}
	}
	easy, hard := s.Readiness(0, nil), s.Readiness(1, nil)
	if !(easy.Independent.Value > hard.Independent.Value) {
		t.Errorf("easy item %v not easier than hard item %v", easy.Independent, hard.Independent)
	}
	if !(hard.Supported.Value > hard.Independent.Value) {
		t.Errorf("support with mean elasticity 1 should help: %v vs %v", hard.Supported, hard.Independent)
	}
	unseen := s.Readiness(NoItem, []int32{0})
	if unseen.Difficulty != m.p.SkillDifficulty[0] {
		t.Errorf("unseen item difficulty %v, want its skill's %v", unseen.Difficulty, m.p.SkillDifficulty[0])
	}
}

// TestLearningMovesReadiness: practice on the skill changes the item's
// effective difficulty by the learning term.
func TestLearningMovesReadiness(t *testing.T) {
	m := handModel(t)
	s := NewScorer(m)
	var h History
	s.Score(&h)
	before := s.Readiness(1, nil).Difficulty
	h.Add(0, nil, SupportedSuccess)
	h.Add(0, nil, SupportedSuccess)
	s.Score(&h)
	after := s.Readiness(1, nil).Difficulty
	p := m.p
	// two supported successes: count 2, recency 0.3·1 + 1 with decay 0.3
	want := (p.Rates[SupportedSuccess]+p.SkillRates[0][SupportedSuccess])*math.Log1p(2) +
		(p.Rates[3+SupportedSuccess]+p.SkillRates[0][3+SupportedSuccess])*1.3
	if math.Abs((before-after)-want) > 1e-6 {
		t.Errorf("learning lowered difficulty by %v, want %v", before-after, want)
	}
}

func TestScoreDoesNotAllocate(t *testing.T) {
	m := handModel(t)
	h := benchHistory(50)
	s := NewScorer(m)
	s.Score(h)
	skills := []int32{0}
	allocs := testing.AllocsPerRun(100, func() {
		s.Score(h)
		s.Readiness(1, skills)
	})
	if allocs != 0 {
		t.Errorf("Score+Readiness allocates %v times per run", allocs)
	}
}

func benchHistory(n int) *History {
	h := &History{}
	skills := []int32{0}
	for i := range n {
		h.Add(int32(i%2), skills, Outcome(i%3))
	}
	return h
}

// TestLearnerIgnoresOutcomeInPredict: Predict must not read the attempt's
// outcome or support; only Observe does.
func TestLearnerIgnoresOutcomeInPredict(t *testing.T) {
	m := handModel(t)
	a := datasets.NewAttempt()
	a.Learner, a.Item, a.Skills = "u", "hard", []string{"fractions"}
	l1, l2 := m.NewLearner(), m.NewLearner()
	b := a
	b.Independent, b.Supported, b.HintsUsed, b.Retries = true, true, 3, 2
	if p1, p2 := l1.Predict(&a), l2.Predict(&b); p1 != p2 {
		t.Errorf("prediction depends on the attempt's outcome: %v vs %v", p1, p2)
	}
	l1.Observe(&a)
	l2.Observe(&b)
	if p1, p2 := l1.Predict(&a), l2.Predict(&a); p1 == p2 {
		t.Errorf("observed outcomes did not change the next prediction: %v", p1)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	sc := defaultSim()
	sc.Learners, sc.Attempt = 60, 40
	sc.Gamma = [3]float64{0, 0.05, 0.02}
	log, _ := simulate(sc)
	mm, err := Family{}.Fit(context.Background(), log, models.FitOptions{Params: map[string]any{"validation_fraction": 0.2, "max_iterations": 30}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := mm.MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Family{}.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	h := make([]datasets.Attempt, 0, 40)
	for i := 0; i < 40; i++ {
		h = append(h, log.At(i))
	}
	l1, l2 := mm.NewLearner(), back.NewLearner()
	for i := range h {
		if p1, p2 := l1.Predict(&h[i]), l2.Predict(&h[i]); p1 != p2 {
			t.Fatalf("attempt %d: prediction %v before, %v after the round trip", i, p1, p2)
		}
		l1.Observe(&h[i])
		l2.Observe(&h[i])
	}
}

func TestUnmarshalRejects(t *testing.T) {
	good, err := handModel(t).MarshalParams()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(p *Params)
	}{
		{"wrong version", func(p *Params) { p.Version = 99 }},
		{"wrong format", func(p *Params) { p.Format = "other" }},
		{"short difficulty", func(p *Params) { p.Difficulty = p.Difficulty[:1] }},
		{"bad skill index", func(p *Params) { p.ItemSkills[0] = 5 }},
		{"covariance not positive definite", func(p *Params) { p.Cov[0][1], p.Cov[1][0] = 2, 2 }},
		{"threshold out of range", func(p *Params) { p.Config.Mastery = 1.5 }},
	}
	for _, tc := range tests {
		p, err := unmarshalParams(good)
		if err != nil {
			t.Fatal(err)
		}
		tc.edit(p)
		b, _ := p.marshal()
		if _, err := (Family{}).Unmarshal(b); err == nil {
			t.Errorf("%s: Unmarshal accepted it", tc.name)
		}
	}
	if _, err := (Family{}).Unmarshal([]byte("{not json")); err == nil {
		t.Error("Unmarshal accepted malformed JSON")
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		check   func(Config) bool
		wantErr bool
	}{
		{"defaults", nil, func(c Config) bool { return c == DefaultConfig() }, false},
		{"thresholds", map[string]any{"mastery": 0.9, "reach": "0.6"}, func(c Config) bool { return c.Mastery == 0.9 && c.Reach == 0.6 }, false},
		{"switches", map[string]any{"learning": false, "item_support": "false"}, func(c Config) bool { return !c.Learning && !c.ItemSupport }, false},
		{"integers from yaml floats", map[string]any{"max_iterations": 40.0}, func(c Config) bool { return c.MaxIterations == 40 }, false},
		{"unknown key", map[string]any{"mastry": 0.9}, nil, true},
		{"wrong type", map[string]any{"learning": 3}, nil, true},
		{"fractional integer", map[string]any{"patience": 1.5}, nil, true},
		{"mastery out of range", map[string]any{"mastery": 1.0}, nil, true},
		{"unknown practice", map[string]any{"practice": "sqrt"}, nil, true},
	}
	for _, tc := range tests {
		c, err := ParseConfig(tc.params)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && !tc.check(c) {
			t.Errorf("%s: got %+v", tc.name, c)
		}
	}
}

// TestModelConcurrentUse: learners of one model run in parallel (go test
// -race checks the Model is read-only).
func TestModelConcurrentUse(t *testing.T) {
	m := handModel(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			l := m.NewLearner()
			a := datasets.NewAttempt()
			a.Item, a.Skills = "easy", []string{"fractions"}
			for range 20 {
				l.Predict(&a)
				l.Observe(&a)
			}
		})
	}
	wg.Wait()
}

func TestWithThresholds(t *testing.T) {
	m := handModel(t)
	strict, err := m.WithThresholds(0.95, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	var h History
	h.Add(0, nil, IndependentSuccess)
	base, other := NewScorer(m).Score(&h), NewScorer(strict).Score(&h)
	if base.Ability != other.Ability || base.Elasticity != other.Elasticity {
		t.Errorf("thresholds changed the posterior: %v vs %v", base, other)
	}
	if !(other.ZADEdge.Value < base.ZADEdge.Value && other.PointOfDifficulty.Value < base.PointOfDifficulty.Value) {
		t.Errorf("stricter thresholds should lower the ZAD edge and point of difficulty: %v vs %v", other, base)
	}
	if m.Params().Config.Mastery != DefaultConfig().Mastery {
		t.Error("WithThresholds modified the original model")
	}
	if _, err := m.WithThresholds(1.2, 0.5); err == nil {
		t.Error("accepted mastery 1.2")
	}
}

// staticModel is a model without learning, with one item of difficulty b
// and no support effect, so Scorer.Readiness on it must agree with
// Posterior.ReadinessAt(b).
func staticModel(t *testing.T, b float64) *Model {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Learning = false
	p := &Params{
		Format: FormatName, Version: FormatVersion, Config: cfg,
		Mean: [2]float64{0.3, 0.9}, Cov: [2][2]float64{{0.8, 0.1}, {0.1, 0.3}},
		Items: []string{"q"}, ItemSkillStart: []int32{0, 1}, ItemSkills: []int32{0},
		Difficulty: []float64{b}, SupportEffect: []float64{0},
		Skills: []string{"s"}, SkillDifficulty: []float64{0}, SkillSupport: []float64{0},
		ItemSD: 0.5, SupportSD: 0.3,
	}
	p.SkillRates = append(p.SkillRates, p.Rates)
	m, err := NewModel(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReadinessAtAgreesWithScorer(t *testing.T) {
	for _, b := range []float64{-2, 0.4, 1.7} {
		m := staticModel(t, b)
		s := NewScorer(m)
		var h History
		h.Add(0, nil, SupportedSuccess)
		h.Add(0, nil, IndependentSuccess)
		post := s.Score(&h)
		want := s.Readiness(0, nil)
		got := post.ReadinessAt(b, m.ZoneRule())
		close := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
		if !close(got.Difficulty, want.Difficulty) || !close(got.Independent.Value, want.Independent.Value) ||
			!close(got.Supported.Value, want.Supported.Value) || !close(got.Independent.SD, want.Independent.SD) ||
			!close(got.Supported.SD, want.Supported.SD) || !close(got.PMastered, want.PMastered) ||
			!close(got.PReach, want.PReach) || got.Zone != want.Zone {
			t.Errorf("b=%v: ReadinessAt %+v, Scorer.Readiness %+v", b, got, want)
		}
	}
}

func TestReadinessAtZones(t *testing.T) {
	post := Posterior{
		Ability:    Estimate{Value: 0},
		Elasticity: Estimate{Value: 1},
	}
	// With no uncertainty: P(alone) = σ(−b), P(support) = σ(1 − b).
	tests := []struct {
		b    float64
		want Zone
	}{{-2, Mastered}, {0.5, Proximal}, {1.5, BeyondReach}}
	for _, tt := range tests {
		r := post.ReadinessAt(tt.b, ZoneRule{Mastery: 0.8, Reach: 0.5, Credibility: 0.8})
		if r.Zone != tt.want || math.Abs(r.Independent.Value-1/(1+math.Exp(tt.b))) > 1e-12 {
			t.Errorf("b=%v: %+v, want zone %v", tt.b, r, tt.want)
		}
	}
}

// TestZoneCredibility checks that a label needs its credibility: the same
// forecast is mastered (or beyond reach) for a learner the posterior is sure
// of, and in the ZPD for one it is not; and that PMastered is the posterior
// probability of P(alone) ≥ mastery, by Monte Carlo.
func TestZoneCredibility(t *testing.T) {
	rule := ZoneRule{Mastery: 0.8, Reach: 0.5, Credibility: 0.8}
	tests := []struct {
		name       string
		theta, eps float64
		varTheta   float64
		b          float64
		want       Zone
	}{
		{"sure and above mastery", 2, 1, 0.01, 0, Mastered},
		{"unsure and above mastery", 2, 1, 4, 0, Proximal},
		{"sure and below reach", -2, 0.5, 0.01, 0, BeyondReach},
		{"unsure and below reach", -2, 0.5, 9, 0, Proximal},
		{"sure and inside the ZPD", 0.5, 1, 0.01, 0, Proximal},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		post := Posterior{Ability: Estimate{Value: tt.theta}, Elasticity: Estimate{Value: tt.eps}}
		post.Cov[0][0] = tt.varTheta
		r := post.ReadinessAt(tt.b, rule)
		if r.Zone != tt.want {
			t.Errorf("%s: zone %v (p_mastered %.3f, p_reach %.3f), want %v", tt.name, r.Zone, r.PMastered, r.PReach, tt.want)
		}
		const n = 200000
		hits := 0
		for range n {
			eta := tt.theta - tt.b + math.Sqrt(tt.varTheta)*rng.NormFloat64()
			if sigmoid(eta) >= rule.Mastery {
				hits++
			}
		}
		if mc := float64(hits) / n; math.Abs(mc-r.PMastered) > 0.005 {
			t.Errorf("%s: p_mastered %.4f, Monte Carlo %.4f", tt.name, r.PMastered, mc)
		}
	}
	loose := rule
	loose.Credibility = 0.5
	if r := (Posterior{Ability: Estimate{Value: 2}, Cov: [2][2]float64{{4, 0}, {0, 0}}}).ReadinessAt(0, loose); r.Zone != Mastered {
		t.Errorf("credibility 0.5 labels by the posterior median: got %v", r.Zone)
	}
}

// TestPracticeTerm checks the learning term and features against
// docs/models.md by hand: F = (f(n_failed), f(n_supported),
// f(n_independent), recency sums), averaged over the attempt's skills.
func TestPracticeTerm(t *testing.T) {
	m := staticModel(t, 0)
	p := m.Params()
	p.Config.Learning, p.Config.Recency, p.Config.RecencyDecay = true, true, 0.5
	p.Skills = []string{"s", "t"}
	p.SkillDifficulty, p.SkillSupport = []float64{0, 0}, []float64{0, 0}
	p.Rates = [nFeatures]float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
	p.SkillRates = [][nFeatures]float64{{}, {1, 0, 0, 0, 0, 0}}
	m, err := NewModel(p)
	if err != nil {
		t.Fatal(err)
	}
	pr := m.NewPractice()
	if l, x := m.Term(pr, []int32{0}); l != 0 || x != [nFeatures]float64{} {
		t.Fatalf("no practice: l=%v x=%v", l, x)
	}
	pr.Add([]int32{0}, IndependentSuccess)
	pr.Add([]int32{0}, SupportedSuccess)
	pr.Add([]int32{0, 1}, Failed)
	// Skill 0: n = (1, 1, 1); recency (decay 0.5, newest weight 1):
	// failed 1, supported 0.5, independent 0.25. Skill 1: failed once.
	f := func(v float64) float64 { return float64(float32(v)) }
	ln2 := f(math.Log(2))
	f0 := [nFeatures]float64{ln2, ln2, ln2, 1, 0.5, 0.25}
	f1 := [nFeatures]float64{ln2, 0, 0, 1, 0, 0}
	var wantL float64
	var wantX [nFeatures]float64
	for c := range nFeatures {
		wantX[c] = (f0[c] + f1[c]) / 2
		wantL += p.Rates[c]*f0[c] + (p.Rates[c]+p.SkillRates[1][c])*f1[c]
	}
	wantL /= 2
	l, x := m.Term(pr, []int32{0, 1})
	if math.Abs(l-wantL) > 1e-12 || x != wantX {
		t.Errorf("Term = %v, %v; want %v, %v", l, x, wantL, wantX)
	}
	pr.Reset()
	if l, _ := m.Term(pr, []int32{0, 1}); l != 0 {
		t.Errorf("after Reset l = %v", l)
	}
}

// TestZoneRuleThresholdsFollowTheirProbabilities: a rule from the model
// uses its cached logits, and a copy whose thresholds change does not.
func TestZoneRuleThresholdsFollowTheirProbabilities(t *testing.T) {
	tests := []struct {
		name string
		edit func(*ZoneRule)
	}{
		{"as made", func(*ZoneRule) {}},
		{"mastery changed", func(z *ZoneRule) { z.Mastery = 0.95 }},
		{"reach changed", func(z *ZoneRule) { z.Reach = 0.3 }},
		{"literal", func(z *ZoneRule) { *z = ZoneRule{Mastery: 0.7, Reach: 0.6, Credibility: 0.8} }},
	}
	m := handModel(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := m.ZoneRule()
			tt.edit(&z)
			lm, lr := z.thresholds()
			if lm != numeric.Logit(z.Mastery) || lr != numeric.Logit(z.Reach) {
				t.Errorf("thresholds %v, %v; want logit(%v) = %v, logit(%v) = %v", lm, lr, z.Mastery, numeric.Logit(z.Mastery), z.Reach, numeric.Logit(z.Reach))
			}
		})
	}
}

// TestReusedScorerForecastsAsAFreshOne: Readiness reuses each skill's
// learning term between Scores; a Scorer that scored other learners first
// forecasts every item exactly as a fresh one, and as Model.Term says.
func TestReusedScorerForecastsAsAFreshOne(t *testing.T) {
	m := handModel(t)
	reused := NewScorer(m)
	for _, n := range []int{0, 7, 3, 30, 0, 12} {
		h := benchHistory(n)
		reused.Score(h)
		fresh := NewScorer(m)
		fresh.Score(h)
		for _, item := range []int32{0, 1, NoItem} {
			for _, skills := range [][]int32{nil, {0}, {0, 0}} {
				if item == NoItem && skills == nil {
					continue
				}
				if got, want := reused.Readiness(item, skills), fresh.Readiness(item, skills); got != want {
					t.Errorf("after %d attempts, item %d skills %v: reused %+v, fresh %+v", n, item, skills, got, want)
				}
				if l, _ := m.Term(fresh.practice, m.AttemptSkills(item, skills)); fresh.termOf(m.AttemptSkills(item, skills)) != l {
					t.Errorf("after %d attempts: termOf differs from Term's %v", n, l)
				}
			}
		}
	}
}
