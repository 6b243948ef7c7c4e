package policysim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// smallWorld is the default world made cheap enough for tests.
func smallWorld() World {
	w := DefaultWorld()
	w.Bank.Skills, w.Bank.Items = 8, 120
	w.Platform.CalibrationLearners, w.Platform.CalibrationSteps = 200, 40
	return w
}

func prepare(t *testing.T, w World) *Setup {
	t.Helper()
	s, err := Prepare(context.Background(), w, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func policies(t *testing.T, w *World, names ...string) []pathway.Policy {
	t.Helper()
	if len(names) == 0 {
		names = pathway.Names()
	}
	ps, err := w.NewPolicies(names)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func run(t *testing.T, setup *Setup, opts Options) *Summary {
	t.Helper()
	s, err := Run(context.Background(), setup, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPoliciesCannotReachTruth walks every type a policy receives (the
// View, Observation and Candidate, and the Policy and Learner methods'
// signatures) and fails if any type of this package — where the truth
// lives — or an empty interface, through which anything could be passed,
// is reachable.
func TestPoliciesCannotReachTruth(t *testing.T) {
	self := reflect.TypeOf(learnerTruth{}).PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string) []string
	walk = func(typ reflect.Type, path string) (bad []string) {
		if seen[typ] {
			return nil
		}
		seen[typ] = true
		if typ.PkgPath() == self || strings.Contains(typ.PkgPath(), "datasets/simulate") {
			return []string{path + ": " + typ.String()}
		}
		switch typ.Kind() {
		case reflect.Interface:
			if typ.NumMethod() == 0 {
				return []string{path + ": empty interface"}
			}
			for i := range typ.NumMethod() {
				bad = append(bad, walk(typ.Method(i).Type, path+"."+typ.Method(i).Name)...)
			}
		case reflect.Func:
			for i := range typ.NumIn() {
				bad = append(bad, walk(typ.In(i), path+"(in)")...)
			}
			for i := range typ.NumOut() {
				bad = append(bad, walk(typ.Out(i), path+"(out)")...)
			}
		case reflect.Pointer, reflect.Slice, reflect.Array:
			bad = walk(typ.Elem(), path+"[]")
		case reflect.Map:
			bad = append(walk(typ.Key(), path+"[key]"), walk(typ.Elem(), path+"[val]")...)
		case reflect.Struct:
			for i := range typ.NumField() {
				bad = append(bad, walk(typ.Field(i).Type, path+"."+typ.Field(i).Name)...)
			}
		}
		// Methods a policy could call on what it is given.
		for i := range typ.NumMethod() {
			if typ.Kind() != reflect.Interface {
				bad = append(bad, walk(typ.Method(i).Type, path+"."+typ.Method(i).Name+"()")...)
			}
		}
		return bad
	}
	roots := []reflect.Type{
		reflect.TypeFor[pathway.Policy](), reflect.TypeFor[pathway.Learner](),
		reflect.TypeFor[*pathway.View](), reflect.TypeFor[*pathway.Observation](),
	}
	for _, r := range roots {
		if bad := walk(r, r.String()); len(bad) > 0 {
			t.Errorf("a policy can reach: %v", bad)
		}
	}
	// The walk must have covered the model, or it proves nothing.
	if !seen[reflect.TypeFor[elasticity.Posterior]()] || !seen[reflect.TypeFor[*elasticity.Model]()] {
		t.Error("walk did not reach the elasticity types a policy sees")
	}
}

// Same seed ⇒ identical results, whatever the number of goroutines.
func TestDeterministicAtAnyWorkerCount(t *testing.T) {
	w := smallWorld()
	setup := prepare(t, w)
	var prev []byte
	for _, workers := range []int{1, 2, 5} {
		s := run(t, setup, Options{Policies: policies(t, &w), Learners: 150, Steps: 40, Seed: 9, Workers: workers, Resamples: 50})
		js, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !bytes.Equal(js, prev) {
			t.Fatalf("%d workers gave a different summary", workers)
		}
		prev = js
	}
	s2 := run(t, setup, Options{Policies: policies(t, &w), Learners: 150, Steps: 40, Seed: 10, Workers: 2, Resamples: 50})
	if js, _ := json.Marshal(s2); bytes.Equal(js, prev) {
		t.Error("another seed gave the same summary")
	}
}

// The same policy run twice faces the same learners and draws, so the
// paired difference is exactly zero: common random numbers.
func TestCommonRandomNumbers(t *testing.T) {
	w := smallWorld()
	setup := prepare(t, w)
	pod := policies(t, &w, pathway.ZPDPoDName)[0]
	s := run(t, setup, Options{Policies: []pathway.Policy{pod, pod}, Learners: 100, Steps: 30, Seed: 2, Resamples: 50})
	d := s.Policies[1].GainVsBaseline
	if d.Value != 0 || d.Low != 0 || d.High != 0 {
		t.Errorf("same policy twice: difference %+v, want exactly 0", d)
	}
	if s.Policies[0].GainPerStep <= 0 {
		t.Errorf("gain per step %v, want > 0 in a world where practice teaches", s.Policies[0].GainPerStep)
	}
}

// aimBeyond always gives the candidate least reachable with support.
type aimBeyond struct{}

func (aimBeyond) Name() string                                 { return "aim-beyond" }
func (aimBeyond) UsesModel() bool                              { return true }
func (aimBeyond) NewLearner(*elasticity.Model) pathway.Learner { return &aimBeyondLearner{} }

type aimBeyondLearner struct{}

func (*aimBeyondLearner) Observe(*pathway.Observation) {}
func (*aimBeyondLearner) Reset()                       {}
func (*aimBeyondLearner) Next(dst []pathway.Recommendation, v *pathway.View) []pathway.Recommendation {
	best := 0
	for c := range v.Candidates {
		if v.Candidates[c].Readiness.Supported.Value < v.Candidates[best].Readiness.Supported.Value {
			best = c
		}
	}
	return append(dst, pathway.Recommendation{Candidate: best, Kind: pathway.Stretch})
}

// In a world where practice beyond reach teaches nothing, a policy that
// aims beyond reach spends most steps there and gains less than every
// policy in the package.
func TestAimingBeyondReachLoses(t *testing.T) {
	w := smallWorld()
	w.Learning.BeyondReach = 0
	setup := prepare(t, w)
	ps := append([]pathway.Policy{aimBeyond{}}, policies(t, &w)...)
	s := run(t, setup, Options{Policies: ps, Learners: 200, Steps: 60, Seed: 4, Resamples: 100})
	if s.Policies[0].ShareBeyondReach < 0.5 {
		t.Errorf("aim-beyond spent %.0f%% of steps beyond reach, want most", 100*s.Policies[0].ShareBeyondReach)
	}
	for _, p := range s.Policies[1:] {
		if !(p.GainVsBaseline.Low > 0) {
			t.Errorf("%s vs aim-beyond: %+v, want a gain above it with the whole interval > 0", p.Name, p.GainVsBaseline)
		}
	}
}

// With every learner identical and nothing learnt, no policy can change
// true ability: every policy ties.
func TestNoLearningIdenticalLearnersTie(t *testing.T) {
	w := smallWorld()
	w.Population.ThetaSD, w.Population.ElasticitySD = 0, 0
	w.Learning = Learning{Practice: "linear"}
	setup := prepare(t, w)
	s := run(t, setup, Options{Policies: policies(t, &w), Learners: 100, Steps: 40, Seed: 5, Resamples: 50})
	for _, p := range s.Policies {
		for name, iv := range map[string]Interval{"gain": p.GainVsBaseline, "post-test": p.PostTestVsBaseline} {
			if math.Abs(iv.Value) > 1e-12 || math.Abs(iv.Low) > 1e-12 || math.Abs(iv.High) > 1e-12 {
				t.Errorf("%s: %s difference %+v, want 0", p.Name, name, iv)
			}
		}
		if sum := p.ShareZPD + p.ShareBeyondReach + p.ShareMastered; math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: zone shares sum to %v", p.Name, sum)
		}
	}
}

func TestWriteOutputs(t *testing.T) {
	w := smallWorld()
	setup := prepare(t, w)
	s := run(t, setup, Options{Policies: policies(t, &w), Learners: 40, Steps: 20, Seed: 1, Resamples: 20})
	dir := t.TempDir()
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Policies []struct {
			Name        string          `json:"name"`
			GainPerStep float64         `json:"gain_per_step"`
			GainCI      json.RawMessage `json:"gain_ci"`
			PostTest    float64         `json:"post_test"`
			ShareZPD    *float64        `json:"share_zpd"`
			ShareBeyond *float64        `json:"share_beyond_reach"`
			ShareChecks *float64        `json:"share_checks"`
		} `json:"policies"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Policies) != 5 || got.Policies[0].Name != pathway.MasteryFirstName || got.Policies[0].ShareChecks == nil || got.Policies[0].GainCI == nil {
		t.Errorf("summary.json: %s", raw)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), `src="data:image/png;base64,`); n != 3 {
		t.Errorf("report.html embeds %d images, want 3", n)
	}
}

func TestLoadWorldErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown key", "population:\n  theta_men: 1\n", "line 2"},
		{"bad value", "mastery: 1.5\n", "mastery = 1.5"},
		{"bad policy", "policy:\n  target: 2\n", "target = 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "w.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadWorld(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want it to name %s and %q", err, p, tt.want)
			}
		})
	}
}

// Every shipped world loads.
func TestShippedWorldsLoad(t *testing.T) {
	files, _ := filepath.Glob("../../configs/worlds/*.yaml")
	if len(files) < 5 {
		t.Fatalf("configs/worlds has %d worlds, want 5", len(files))
	}
	for _, f := range files {
		if _, err := LoadWorld(f); err != nil {
			t.Error(err)
		}
	}
}

// A world built from a model carries the model's population, bank and
// count rates, and runs with the model as the platform's.
func TestWorldFromModel(t *testing.T) {
	m := prepare(t, smallWorld()).Model
	p := m.Params()
	w := WorldFromModel(m, DefaultWorld())
	if w.Population.ThetaMean != p.Mean[0] || w.Population.ElasticityMean != p.Mean[1] ||
		math.Abs(w.Population.ThetaSD*w.Population.ThetaSD-p.Cov[0][0]) > 1e-12 {
		t.Errorf("population %+v, model mean %v cov %v", w.Population, p.Mean, p.Cov)
	}
	if len(w.Bank.List) != len(p.Items) || w.Bank.List[3].Difficulty != p.Difficulty[3] || w.Bank.List[3].ID != p.Items[3] {
		t.Errorf("bank: %d items, item 3 %+v", len(w.Bank.List), w.Bank.List[3])
	}
	if w.Learning.Practice != "log1p" || w.Learning.Failed != p.Rates[0] || w.Learning.Supported != p.Rates[1] ||
		w.Learning.Independent != p.Rates[2] || w.Learning.BeyondReach != p.Rates[0] {
		t.Errorf("learning %+v, rates %v", w.Learning, p.Rates)
	}
	setup, err := PrepareFromModel(m, DefaultWorld())
	if err != nil {
		t.Fatal(err)
	}
	if setup.Model != m || setup.CalibrationAttempts != 0 {
		t.Errorf("setup model %p (want %p), calibration %d", setup.Model, m, setup.CalibrationAttempts)
	}
	s := run(t, setup, Options{Policies: policies(t, &setup.World), Learners: 30, Steps: 20, Seed: 1, Resamples: 20})
	if len(s.Policies) != 5 || s.CalibrationAttempts != 0 {
		t.Errorf("summary %+v", s)
	}
}

// A summarised world keeps WorldFromModel's population and learning and
// draws a bank of the model's size and spread.
func TestSummaryWorldFromModel(t *testing.T) {
	m := prepare(t, smallWorld()).Model
	p := m.Params()
	full, w := WorldFromModel(m, DefaultWorld()), SummaryWorldFromModel(m, DefaultWorld())
	if w.Population != full.Population || w.Learning != full.Learning || len(w.Bank.List) != 0 {
		t.Errorf("summary %+v, full population %+v learning %+v", w, full.Population, full.Learning)
	}
	multi := 0
	for _, it := range full.Bank.List {
		if len(it.Skills) > 1 {
			multi++
		}
	}
	var ss float64
	for _, b := range p.SkillDifficulty {
		ss += b * b
	}
	mean := 0.0
	for _, b := range p.SkillDifficulty {
		mean += b / float64(len(p.SkillDifficulty))
	}
	wantSkillSD := math.Sqrt(ss/float64(len(p.SkillDifficulty)) - mean*mean)
	b := w.Bank
	if b.Skills != len(p.Skills) || b.Items != len(p.Items) || b.TwoSkillShare != float64(multi)/float64(len(p.Items)) ||
		math.Abs(b.SkillSD-wantSkillSD) > 1e-9 || !(b.ItemSD > 0) || !(b.SupportSD > 0) {
		t.Errorf("bank %+v, want %d skills, %d items, %d multi-skill, skill sd %v", b, len(p.Skills), len(p.Items), multi, wantSkillSD)
	}
	if err := w.Validate(); err != nil {
		t.Error(err)
	}
}

// With ε the same for every learner, three ε quartiles are empty: the
// Markdown and the page show a dash there, never NaN.
func TestEmptyQuartilesShowNoNaN(t *testing.T) {
	w := smallWorld()
	w.Population.ElasticitySD, w.Population.Correlation = 0, 0
	setup := prepare(t, w)
	s := run(t, setup, Options{Policies: policies(t, &w), Learners: 40, Steps: 10, Seed: 1, Resamples: 20})
	empty := 0
	for _, g := range s.Policies[0].ByElasticity {
		if g.Learners == 0 {
			empty++
		}
	}
	if empty == 0 {
		t.Fatalf("no empty ε quartile: %+v", s.Policies[0].ByElasticity)
	}
	var md strings.Builder
	if err := s.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"markdown": md.String(), "page": string(page)} {
		if strings.Contains(text, "NaN") || !strings.Contains(text, "—") {
			t.Errorf("%s shows NaN or no dash for the empty quartiles:\n%s", name, text)
		}
	}
}
