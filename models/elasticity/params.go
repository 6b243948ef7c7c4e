package elasticity

import (
	"encoding/json"
	"fmt"
	"math"
)

// FormatName and FormatVersion identify the parameter encoding written by
// Model.MarshalParams (docs/models.md, "Parameter file").
const (
	FormatName    = "zpd-elasticity"
	FormatVersion = 1
	// FormatVersionFeedback is written for models with the feedback
	// stage, so a reader that predates it refuses them instead of
	// scoring them without it.
	FormatVersionFeedback = 2
)

// Params are the frozen population parameters of a fitted elasticity model:
// everything a Scorer needs, and nothing about individual training learners.
// Slices indexed by item are aligned with Items; by skill, with Skills.
type Params struct {
	Format  string `json:"format"`
	Version int    `json:"format_version"`
	Config  Config `json:"config"`

	// Mean is the population mean of (ability θ, elasticity ε), in logits.
	Mean [2]float64 `json:"mean"`
	// Cov is the population covariance of (θ, ε).
	Cov [2][2]float64 `json:"cov"`
	// Rates are the global learning rates γ of the practice features: f(n)
	// of earlier failed, supported and independent attempts on the skill,
	// then their recency-weighted counterparts (docs/models.md).
	Rates [nFeatures]float64 `json:"rates"`

	Items []string `json:"items"`
	// ItemSkillStart[j]:ItemSkillStart[j+1] indexes ItemSkills for item j.
	ItemSkillStart []int32 `json:"item_skill_start"`
	ItemSkills     []int32 `json:"item_skills"`
	// Difficulty is b_j; SupportEffect is d_j (0 when item_support is off).
	Difficulty    []float64 `json:"difficulty"`
	SupportEffect []float64 `json:"support_effect"`

	Skills []string `json:"skills"`
	// SkillDifficulty β_k and SkillSupport δ_k are the skill-level means of
	// item difficulty and item support effect: the fallback for unseen items.
	SkillDifficulty []float64 `json:"skill_difficulty"`
	SkillSupport    []float64 `json:"skill_support"`
	// SkillRates are per-skill deviations added to Rates (zeros when
	// skill_learning is off), in the same outcome order.
	SkillRates [][nFeatures]float64 `json:"skill_rates"`

	// ItemSD and SupportSD are the prior SDs of b_j and d_j around their
	// skill means: the extra uncertainty of an unseen item.
	ItemSD    float64 `json:"item_sd"`
	SupportSD float64 `json:"support_sd"`

	// Feedback holds the feedback stage's parameters (Config.FeedbackStage;
	// nil without it).
	Feedback *FeedbackParams `json:"feedback,omitempty"`

	// Fit says how the fit that produced these parameters ended (nil for
	// parameters written before it was recorded, or built by hand).
	Fit *FitReport `json:"fit,omitempty"`
}

// FeedbackParams are the feedback stage's population parameters: φ has
// population mean Mean, and (θ, ε, φ) covariance Cov (whose (θ, ε) block
// is Params.Cov); each item's feedback effect f_j
// (ItemEffect, aligned with Params.Items) and each skill's mean ζ_k
// (SkillEffect, aligned with Params.Skills), and ItemSD σ_f, the prior SD of
// f_j around its skills' mean (the extra uncertainty of an unseen item).
type FeedbackParams struct {
	Mean        float64       `json:"mean"`
	Cov         [3][3]float64 `json:"cov"`
	ItemEffect  []float64     `json:"item_effect"`
	SkillEffect []float64     `json:"skill_effect"`
	ItemSD      float64       `json:"item_sd"`
}

// check reports parameters whose shapes disagree or whose covariance is not
// positive definite, naming the field.
func (p *Params) check() error {
	if p.Format != FormatName {
		return fmt.Errorf("format %q, want %q", p.Format, FormatName)
	}
	if p.Version != FormatVersion && p.Version != FormatVersionFeedback {
		return fmt.Errorf("version %d not supported (want %d or %d)", p.Version, FormatVersion, FormatVersionFeedback)
	}
	if err := p.Config.Validate(); err != nil {
		return err
	}
	if err := p.checkFeedback(); err != nil {
		return err
	}
	nI, nK := len(p.Items), len(p.Skills)
	if len(p.Difficulty) != nI || len(p.SupportEffect) != nI || len(p.ItemSkillStart) != nI+1 {
		return fmt.Errorf("item arrays: %d items but difficulty %d, support_effect %d, item_skill_start %d",
			nI, len(p.Difficulty), len(p.SupportEffect), len(p.ItemSkillStart))
	}
	if len(p.SkillDifficulty) != nK || len(p.SkillSupport) != nK || len(p.SkillRates) != nK {
		return fmt.Errorf("skill arrays: %d skills but skill_difficulty %d, skill_support %d, skill_rates %d",
			nK, len(p.SkillDifficulty), len(p.SkillSupport), len(p.SkillRates))
	}
	prev := int32(0)
	for j, s := range p.ItemSkillStart {
		if s < prev || int(s) > len(p.ItemSkills) || (j == 0 && s != 0) {
			return fmt.Errorf("item_skill_start[%d] = %d out of order", j, s)
		}
		prev = s
	}
	if int(prev) != len(p.ItemSkills) {
		return fmt.Errorf("item_skill_start ends at %d, item_skills has %d", prev, len(p.ItemSkills))
	}
	for i, k := range p.ItemSkills {
		if k < 0 || int(k) >= nK {
			return fmt.Errorf("item_skills[%d] = %d: no such skill", i, k)
		}
	}
	c := p.Cov
	if !(c[0][0] > 0 && c[1][1] > 0 && c[0][0]*c[1][1]-c[0][1]*c[1][0] > 0 && c[0][1] == c[1][0]) {
		return fmt.Errorf("cov %v is not symmetric positive definite", c)
	}
	return p.checkValues()
}

// checkFeedback reports a feedback stage that disagrees with the version,
// the config or the item and skill arrays.
func (p *Params) checkFeedback() error {
	want := p.Config.FeedbackStage
	switch f := p.Feedback; {
	case want != (f != nil) || want != (p.Version == FormatVersionFeedback):
		return fmt.Errorf("feedback: config feedback_stage %v, format_version %d and feedback parameters present %v disagree",
			want, p.Version, f != nil)
	case f == nil:
		return nil
	case len(f.ItemEffect) != len(p.Items) || len(f.SkillEffect) != len(p.Skills):
		return fmt.Errorf("feedback: %d items and %d skills but item_effect %d, skill_effect %d",
			len(p.Items), len(p.Skills), len(f.ItemEffect), len(f.SkillEffect))
	case !(f.ItemSD >= 0):
		return fmt.Errorf("feedback: item_sd %g must be ≥ 0", f.ItemSD)
	case f.Cov[0][0] != p.Cov[0][0] || f.Cov[0][1] != p.Cov[0][1] || f.Cov[1][1] != p.Cov[1][1]:
		return fmt.Errorf("feedback: cov's (θ, ε) block %v disagrees with cov %v", f.Cov, p.Cov)
	}
	c := p.Feedback.Cov
	for i := range c {
		for j := range c {
			if c[i][j] != c[j][i] || !(math.Abs(c[i][j]) <= maxLogit*maxLogit) {
				return fmt.Errorf("feedback: cov %v is not a symmetric fitted covariance", c)
			}
		}
	}
	if _, ok := sigmaPoints([3]float64{}, c); !ok {
		return fmt.Errorf("feedback: cov %v is not positive definite", c)
	}
	for i, v := range append(append([]float64{p.Feedback.Mean, p.Feedback.ItemSD}, p.Feedback.ItemEffect...), p.Feedback.SkillEffect...) {
		if !(math.Abs(v) <= maxLogit) {
			return fmt.Errorf("feedback value %d = %g: not a fitted value", i, v)
		}
	}
	return nil
}

// MarshalParams encodes p as JSON (format FormatName, version FormatVersion).
func (p *Params) marshal() ([]byte, error) {
	return json.Marshal(p)
}

// unmarshalParams decodes and checks a parameter file.
func unmarshalParams(b []byte) (*Params, error) {
	var p Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("elasticity params: %w", err)
	}
	if p.Config.ZoneCredibility == 0 {
		// Artifacts written before zone_credibility existed label zones
		// with the default.
		p.Config.ZoneCredibility = DefaultConfig().ZoneCredibility
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("elasticity params: %w", err)
	}
	return &p, nil
}
