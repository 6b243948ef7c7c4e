// Package policysim runs pathway policies on simulated learners and
// reports what each policy does to their true ability. The learners'
// truth (ability, elasticity, item difficulties, what practice teaches)
// lives in unexported types of this package; policies receive only
// pathway types, so no policy can read it (docs/pathways.md).
package policysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zpd-project/zpd/pathway"
)

// World is the generative model the policies face: a population of
// learners, an item bank, what practice teaches, how long attempts take,
// and what the platform knows. It is read from YAML (LoadWorld); the keys
// are the yaml tags, documented in docs/pathways.md.
type World struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description,omitempty"`
	Population  Population `yaml:"population"`
	Bank        Bank       `yaml:"bank"`
	Learning    Learning   `yaml:"learning"`
	Time        Time       `yaml:"time"`
	// Mastery and Reach classify each attempt by the truth: mastered when
	// the true P(success alone) ≥ Mastery, in the true ZPD when not
	// mastered and the true P(success with support) ≥ Reach, else beyond
	// reach. Mastery also defines mastery of the bank (post-test ≥ Mastery).
	Mastery  float64  `yaml:"mastery"`
	Reach    float64  `yaml:"reach"`
	Platform Platform `yaml:"platform"`
	// Policy overrides pathway.DefaultConfig (keys as its json tags).
	Policy map[string]any `yaml:"policy,omitempty"`
}

// Population is the bivariate normal of (θ, ε).
type Population struct {
	ThetaMean      float64 `yaml:"theta_mean"`
	ThetaSD        float64 `yaml:"theta_sd"`
	ElasticityMean float64 `yaml:"elasticity_mean"`
	ElasticitySD   float64 `yaml:"elasticity_sd"`
	Correlation    float64 `yaml:"correlation"`
}

// Bank is the item bank: drawn (Skills, Items, …) or listed (List).
type Bank struct {
	// Skills skills with means ~ N(0, SkillSD²); Items items whose first
	// skill is j mod Skills, a second one with probability TwoSkillShare,
	// difficulty ~ N(mean of their skills' means, ItemSD²) and support
	// effect ~ N(0, SupportSD²). Seed fixes the draw.
	Seed          uint64  `yaml:"seed"`
	Skills        int     `yaml:"skills"`
	SkillSD       float64 `yaml:"skill_sd"`
	Items         int     `yaml:"items"`
	ItemSD        float64 `yaml:"item_sd"`
	SupportSD     float64 `yaml:"support_sd"`
	TwoSkillShare float64 `yaml:"two_skill_share"`
	// List, when set, is the bank itself (Skills and Items are then ignored).
	List []ItemSpec `yaml:"list,omitempty"`
}

// ItemSpec is one listed item.
type ItemSpec struct {
	ID         string   `yaml:"id"`
	Difficulty float64  `yaml:"difficulty"`
	Support    float64  `yaml:"support"`
	Skills     []string `yaml:"skills"`
}

// Learning is the ability one attempt adds on each of its item's skills, by
// its outcome; an attempt beyond reach (true P(success with support) <
// Reach when it was made) adds BeyondReach whatever its outcome. With
// Practice "log1p" the n-th attempt of a kind on a skill adds γ·(log(1+n) −
// log n) (diminishing, as the elasticity model's default); "linear" adds γ
// each time (the simulator's model). Gains fade with half-life
// ForgettingHalfLife of elapsed time (0: no forgetting).
type Learning struct {
	Practice           string        `yaml:"practice"`
	Independent        float64       `yaml:"independent"`
	Supported          float64       `yaml:"supported"`
	Failed             float64       `yaml:"failed"`
	BeyondReach        float64       `yaml:"beyond_reach"`
	ForgettingHalfLife time.Duration `yaml:"forgetting_half_life"`
}

// Time is what an attempt costs, by outcome.
type Time struct {
	Independent time.Duration `yaml:"independent"`
	Supported   time.Duration `yaml:"supported"`
	Failed      time.Duration `yaml:"failed"`
}

// Platform is what the platform has: each step it offers
// CandidatesPerSkill random items of every skill (the same offer to every
// policy), rescores a learner every RescoreEvery attempts, and, for a
// drawn world, fits its elasticity model to a calibration log of
// CalibrationLearners learners doing CalibrationSteps random items each.
type Platform struct {
	CandidatesPerSkill  int `yaml:"candidates_per_skill"`
	RescoreEvery        int `yaml:"rescore_every"`
	CalibrationLearners int `yaml:"calibration_learners"`
	CalibrationSteps    int `yaml:"calibration_steps"`
}

// DefaultWorld returns the default world (configs/worlds/default.yaml).
func DefaultWorld() World {
	return World{
		Name:       "default",
		Population: Population{ThetaMean: 0, ThetaSD: 1, ElasticityMean: 1, ElasticitySD: 0.5, Correlation: 0.3},
		Bank:       Bank{Seed: 1, Skills: 20, SkillSD: 1, Items: 400, ItemSD: 0.5, TwoSkillShare: 0.3},
		Learning: Learning{Practice: "linear", Independent: 0.02, Supported: 0.05, Failed: 0.005,
			BeyondReach: 0.0},
		Time:     Time{Independent: 30 * time.Second, Supported: 75 * time.Second, Failed: 90 * time.Second},
		Mastery:  0.8,
		Reach:    0.5,
		Platform: Platform{CandidatesPerSkill: 2, RescoreEvery: 10, CalibrationLearners: 400, CalibrationSteps: 80},
	}
}

// LoadWorld reads a world file: keys it leaves out keep DefaultWorld's
// values; unknown keys are errors naming the line.
func LoadWorld(path string) (World, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return World{}, fmt.Errorf("world: %w", err)
	}
	w := DefaultWorld()
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil {
		return World{}, fmt.Errorf("world %s: %w", path, err)
	}
	if err := w.Validate(); err != nil {
		return World{}, fmt.Errorf("world %s: %w", path, err)
	}
	return w, nil
}

// PolicyConfig returns pathway.DefaultConfig with the world's overrides.
func (w *World) PolicyConfig() (pathway.Config, error) {
	cfg := pathway.DefaultConfig()
	if len(w.Policy) == 0 {
		return cfg, nil
	}
	b, err := json.Marshal(w.Policy)
	if err != nil {
		return cfg, fmt.Errorf("policy: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("policy: %w", err)
	}
	return cfg, cfg.Validate()
}

// Validate reports every bad setting.
func (w *World) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s = %v, want %s", field, v, want))
	}
	finite := func(field string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad(field, v, "a finite number")
			return false
		}
		return true
	}
	nonNeg := func(field string, v float64) {
		if finite(field, v) && v < 0 {
			bad(field, v, ">= 0")
		}
	}
	p := w.Population
	finite("population.theta_mean", p.ThetaMean)
	nonNeg("population.theta_sd", p.ThetaSD)
	finite("population.elasticity_mean", p.ElasticityMean)
	nonNeg("population.elasticity_sd", p.ElasticitySD)
	if finite("population.correlation", p.Correlation) && math.Abs(p.Correlation) > 1 {
		bad("population.correlation", p.Correlation, "in [-1, 1]")
	}
	b := w.Bank
	if len(b.List) == 0 {
		if b.Skills < 1 {
			bad("bank.skills", b.Skills, ">= 1")
		}
		if b.Items < b.Skills {
			bad("bank.items", b.Items, fmt.Sprintf(">= bank.skills (%d)", b.Skills))
		}
		nonNeg("bank.skill_sd", b.SkillSD)
		nonNeg("bank.item_sd", b.ItemSD)
		nonNeg("bank.support_sd", b.SupportSD)
		if finite("bank.two_skill_share", b.TwoSkillShare) && (b.TwoSkillShare < 0 || b.TwoSkillShare > 1 || b.Skills == 1 && b.TwoSkillShare > 0) {
			bad("bank.two_skill_share", b.TwoSkillShare, "in [0, 1], and 0 with one skill")
		}
	}
	for i, it := range b.List {
		if it.ID == "" || len(it.Skills) == 0 {
			bad(fmt.Sprintf("bank.list[%d]", i), it.ID, "an id and at least one skill")
		}
		finite(fmt.Sprintf("bank.list[%d].difficulty", i), it.Difficulty)
		finite(fmt.Sprintf("bank.list[%d].support", i), it.Support)
	}
	l := w.Learning
	if l.Practice != "linear" && l.Practice != "log1p" {
		bad("learning.practice", l.Practice, `"linear" or "log1p"`)
	}
	finite("learning.independent", l.Independent)
	finite("learning.supported", l.Supported)
	finite("learning.failed", l.Failed)
	finite("learning.beyond_reach", l.BeyondReach)
	if l.ForgettingHalfLife < 0 {
		bad("learning.forgetting_half_life", l.ForgettingHalfLife, ">= 0 (0: no forgetting)")
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"time.independent", w.Time.Independent}, {"time.supported", w.Time.Supported}, {"time.failed", w.Time.Failed}} {
		if t.d <= 0 {
			bad(t.name, t.d, "> 0")
		}
	}
	if !(w.Mastery > 0 && w.Mastery < 1) {
		bad("mastery", w.Mastery, "in (0, 1)")
	}
	if !(w.Reach > 0 && w.Reach < 1) {
		bad("reach", w.Reach, "in (0, 1)")
	}
	pl := w.Platform
	if pl.CandidatesPerSkill < 1 {
		bad("platform.candidates_per_skill", pl.CandidatesPerSkill, ">= 1")
	}
	if pl.RescoreEvery < 1 {
		bad("platform.rescore_every", pl.RescoreEvery, ">= 1")
	}
	if pl.CalibrationLearners < 10 || pl.CalibrationSteps < 5 {
		bad("platform.calibration_learners, calibration_steps", fmt.Sprint(pl.CalibrationLearners, ", ", pl.CalibrationSteps), ">= 10 and >= 5")
	}
	if _, err := w.PolicyConfig(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid world: %w", errors.Join(errs...))
}
