package elasticity

import (
	"math"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/internal/numeric"
)

// Estimate is a posterior quantity: its value (posterior mode, or predictive
// probability) and its posterior standard deviation (Laplace approximation).
type Estimate struct {
	Value float64 `json:"value"`
	SD    float64 `json:"sd"`
}

// Band is a range of item difficulty, in logits.
type Band struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Posterior is one learner's state given their history: the posterior of
// ability θ and elasticity ε under the population prior, and the quantities
// derived from it. Difficulties are on the item-difficulty (logit) scale and
// refer to a skill the learner has not practised.
type Posterior struct {
	// Attempts is the length of the history scored.
	Attempts int `json:"attempts"`
	// Ability is θ: what the learner does alone (Zone of Actual Development).
	Ability Estimate `json:"ability"`
	// Elasticity is ε, in logits: how far support extends the learner.
	Elasticity Estimate `json:"elasticity"`
	// Cov is the posterior covariance of (θ, ε).
	Cov [2][2]float64 `json:"cov"`
	// ZADEdge is the hardest difficulty with P(independent) ≥ mastery.
	ZADEdge Estimate `json:"zad_edge"`
	// PointOfDifficulty is the hardest difficulty with
	// P(success with support) ≥ reach.
	PointOfDifficulty Estimate `json:"point_of_difficulty"`
	// ZPD is the band from ZADEdge to PointOfDifficulty.
	ZPD Band `json:"zpd"`
	// ZPDWidth is the elasticity in difficulty units: PointOfDifficulty −
	// ZADEdge.
	ZPDWidth Estimate `json:"zpd_width"`
	// PSupportHelps is the posterior probability that ε > 0: that support
	// lifts this learner at all. When ε ≤ 0 (SupportHelps false) the ZPD
	// band is not a zone support opens, and callers do not present it as one.
	PSupportHelps float64 `json:"p_support_helps"`
	// Stages are the two support effects of a model with the feedback
	// stage (zero without it); Elasticity is then their combination.
	Stages StageEffects `json:"stages,omitzero"`

	mode [2]float64 // the posterior mode of (θ, ε)
	// with the feedback stage: the posterior mean and covariance of
	// (θ, ε, φ), which Readiness reads
	x3   [3]float64
	c3   [3][3]float64
	bank *bank // nil without the feedback stage
}

// FeedbackStage reports whether the posterior comes from a model with the
// feedback stage, so Stages holds the learner's two support effects.
func (p *Posterior) FeedbackStage() bool { return p.bank != nil }

// SupportHelps reports whether the posterior mean of ε is above zero: whether
// the learner has a ZPD band to draw or serve.
func (p *Posterior) SupportHelps() bool { return p.Elasticity.Value > 0 }

// Zone places an item relative to a learner's ZPD.
type Zone uint8

// Zones, from easiest to hardest for the learner.
const (
	// Mastered: P(independent success) ≥ mastery, with at least the
	// rule's credibility.
	Mastered Zone = iota
	// Proximal: neither label below is credible: inside the ZPD, or too
	// uncertain to call mastered or beyond reach.
	Proximal
	// BeyondReach: P(success with support) < reach, with at least the
	// rule's credibility.
	BeyondReach
)

// String names the zone.
func (z Zone) String() string {
	switch z {
	case Mastered:
		return "mastered"
	case Proximal:
		return "zpd"
	}
	return "beyond_reach"
}

// MarshalText encodes the zone as its name.
func (z Zone) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

// Readiness is a learner's forecast on one item before attempting it.
type Readiness struct {
	// Difficulty is the item's difficulty for this learner: b_j minus what
	// practice on its skills has taught them.
	Difficulty float64 `json:"difficulty"`
	// Independent is P(success alone).
	Independent Estimate `json:"independent"`
	// Supported is P(success with support | failed alone).
	Supported Estimate `json:"supported"`
	// PMastered is the posterior probability that P(success alone) ≥
	// mastery; PReach that P(success with support) ≥ reach. The zone
	// compares them with the rule's credibility.
	PMastered float64 `json:"p_mastered"`
	PReach    float64 `json:"p_reach"`
	Zone      Zone    `json:"zone"`
}

// ZoneRule turns a forecast into a zone: the mastery and reach thresholds
// on P(success alone) and P(success with support | failed alone), and the
// posterior probability (Credibility, in [0.5, 1)) a label needs.
type ZoneRule struct {
	Mastery, Reach, Credibility float64

	// A rule made by Model.ZoneRule carries logit(Mastery) and
	// logit(Reach), computed for the thresholds in from: readiness is
	// forecast for every candidate item, and the two logits were a
	// measurable share of its cost (BENCHMARKS.md). A copy whose
	// thresholds were changed afterwards computes its own.
	logitMastery, logitReach float64
	from                     [2]float64
	cached                   bool
}

// thresholds returns logit(Mastery) and logit(Reach).
func (z ZoneRule) thresholds() (mastery, reach float64) {
	if z.cached && z.from == [2]float64{z.Mastery, z.Reach} {
		return z.logitMastery, z.logitReach
	}
	return numeric.Logit(z.Mastery), numeric.Logit(z.Reach)
}

// ZoneRule returns the rule of the model's config.
func (m *Model) ZoneRule() ZoneRule {
	c := &m.p.Config
	return ZoneRule{Mastery: c.Mastery, Reach: c.Reach, Credibility: c.ZoneCredibility,
		logitMastery: m.logitMastery, logitReach: m.logitReach,
		from: [2]float64{c.Mastery, c.Reach}, cached: true}
}

// Scorer computes learners' posteriors against one Model. It owns scratch
// buffers so scoring does not allocate once they have grown; it is not safe
// for concurrent use (one Scorer per goroutine).
type Scorer struct {
	m        *Model
	practice *features.Practice // the learner's practice so far
	o1, o2   []float64          // per step: stage-1 and stage-2 offsets
	o3       []float64          // per step: feedback-stage offset (feedback stage only)
	hinted   []bool             // per step: support included hints (feedback stage only)
	out      []Outcome
	post     Posterior
	skills   []int32
	// Between two Scores the practice is fixed, so Readiness reuses each
	// skill's share of the learning term: terms[k] is current when
	// termAt[k] == gen, and Score moves gen on.
	terms  []float64
	termAt []uint32
	gen    uint32
}

// NewScorer returns a Scorer for m.
func NewScorer(m *Model) *Scorer {
	n := len(m.p.Skills)
	return &Scorer{m: m, practice: m.NewPractice(), terms: make([]float64, n), termAt: make([]uint32, n), gen: 1}
}

// Model returns the scorer's model.
func (s *Scorer) Model() *Model { return s.m }

// Score computes the posterior of the learner whose attempts are h (empty h:
// the population prior) and returns it. The Scorer keeps the learner's
// practice counts, so Readiness afterwards forecasts the next attempt.
func (s *Scorer) Score(h *History) Posterior {
	s.prepare(h)
	if s.m.p.Feedback != nil {
		mode, x, cov := s.newton3()
		s.post = s.derive3(x, cov, len(h.Steps))
		s.post.mode = [2]float64{mode[0], mode[1]}
		return s.post
	}
	mode, x, cov := s.newton()
	s.post = s.derive(x, cov, len(h.Steps))
	s.post.mode = mode
	return s.post
}

// Posterior returns the result of the last Score.
func (s *Scorer) Posterior() Posterior { return s.post }

// prepare walks the history once, turning each step into fixed offsets: the
// learning term and item parameters depend only on earlier steps, never on
// θ or ε.
func (s *Scorer) prepare(h *History) {
	s.practice.Reset()
	s.gen++
	n := len(h.Steps)
	if cap(s.o1) < n {
		s.o1, s.o2, s.out = make([]float64, n, 2*n), make([]float64, n, 2*n), make([]Outcome, n, 2*n)
	}
	s.o1, s.o2, s.out = s.o1[:n], s.o2[:n], s.out[:n]
	fb := s.m.p.Feedback != nil
	if fb {
		if cap(s.o3) < n {
			s.o3, s.hinted = make([]float64, n, 2*n), make([]bool, n, 2*n)
		}
		s.o3, s.hinted = s.o3[:n], s.hinted[:n]
	}
	for t := range h.Steps {
		st := &h.Steps[t]
		skills := s.m.AttemptSkills(st.Item, h.Skills[st.SkillStart:st.SkillEnd])
		b, d := s.m.ItemParams(st.Item, skills)
		l, _ := s.m.Term(s.practice, skills)
		s.o1[t] = l - b
		s.o2[t] = l - b + d
		if fb {
			s.o3[t] = l - b + s.m.FeedbackItemParams(st.Item, skills)
			s.hinted[t] = st.Hinted
		}
		s.out[t] = st.Outcome
		s.practice.Add(skills, st.Outcome)
	}
}

// ItemParams returns item j's difficulty b_j and support effect d_j, or
// for an item the model never saw (NoItem) the means of skills' skill
// difficulties β and support effects δ, their prior means (0 with no
// skills).
func (m *Model) ItemParams(j int32, skills []int32) (b, d float64) {
	if j != NoItem {
		return m.p.Difficulty[j], m.p.SupportEffect[j]
	}
	if len(skills) == 0 {
		return 0, 0
	}
	for _, k := range skills {
		b += m.p.SkillDifficulty[k]
		d += m.p.SkillSupport[k]
	}
	n := float64(len(skills))
	return b / n, d / n
}

// newton maximises the log posterior of (θ, ε) by Newton's method and
// returns the mode, the posterior mean (the mode plus skewShift) and the
// inverse negative Hessian at the mode (the Laplace covariance). The log posterior is concave, so Newton converges; steps are
// capped so a long run of successes cannot overshoot.
func (s *Scorer) newton() (x, mean [2]float64, cov [2][2]float64) {
	mu, prec := s.m.p.Mean, s.m.prec
	x = mu
	var h [2][2]float64
	for it := 0; it < s.m.p.Config.NewtonSteps; it++ {
		var g [2]float64
		g, h, _ = s.gradHess(x)
		g[0] -= prec[0][0]*(x[0]-mu[0]) + prec[0][1]*(x[1]-mu[1])
		g[1] -= prec[1][0]*(x[0]-mu[0]) + prec[1][1]*(x[1]-mu[1])
		h[0][0] += prec[0][0]
		h[0][1] += prec[0][1]
		h[1][0] += prec[1][0]
		h[1][1] += prec[1][1]
		det := h[0][0]*h[1][1] - h[0][1]*h[1][0]
		d0 := (h[1][1]*g[0] - h[0][1]*g[1]) / det
		d1 := (h[0][0]*g[1] - h[1][0]*g[0]) / det
		if m := math.Max(math.Abs(d0), math.Abs(d1)); m > maxNewtonStep {
			d0, d1 = d0*maxNewtonStep/m, d1*maxNewtonStep/m
		}
		x[0] += d0
		x[1] += d1
		if math.Abs(d0) < newtonTol && math.Abs(d1) < newtonTol {
			break
		}
	}
	_, h, c := s.gradHess(x)
	k := skewShift([3]float64{h[0][0], h[0][1], h[1][1]}, c, prec)
	h[0][0] += prec[0][0]
	h[0][1] += prec[0][1]
	h[1][0] += prec[1][0]
	h[1][1] += prec[1][1]
	det := h[0][0]*h[1][1] - h[0][1]*h[1][0]
	cov = [2][2]float64{{h[1][1] / det, -h[0][1] / det}, {-h[1][0] / det, h[0][0] / det}}
	return x, [2]float64{x[0] + k[0], x[1] + k[1]}, cov
}

const (
	maxNewtonStep = 2.0  // logits per Newton step
	newtonTol     = 1e-7 // stop when both coordinates move less than this
)

// gradHess returns the gradient and negative Hessian of the history's log
// likelihood at x = (θ, ε), and the sums by stage of its third derivatives
// that skewShift needs.
func (s *Scorer) gradHess(x [2]float64) (g [2]float64, h [2][2]float64, c [2]float64) {
	for t, o := range s.out {
		p1 := sigmoid(x[0] + s.o1[t])
		w1 := p1 * (1 - p1)
		c[0] += w1 * (1 - 2*p1)
		if o == IndependentSuccess {
			g[0] += 1 - p1
			h[0][0] += w1
			continue
		}
		g[0] -= p1
		p2 := sigmoid(x[0] + x[1] + s.o2[t])
		w2 := p2 * (1 - p2)
		c[1] += w2 * (1 - 2*p2)
		r2 := -p2
		if o == SupportedSuccess {
			r2 = 1 - p2
		}
		g[0] += r2
		g[1] += r2
		h[0][0] += w1 + w2
		h[0][1] += w2
		h[1][1] += w2
	}
	h[1][0] = h[0][1]
	return g, h, c
}

// derive turns the mode and covariance into the learner's summary.
func (s *Scorer) derive(x [2]float64, cov [2][2]float64, n int) Posterior {
	sdT := math.Sqrt(cov[0][0])
	sdE := math.Sqrt(cov[1][1])
	sdReach := math.Sqrt(math.Max(cov[0][0]+2*cov[0][1]+cov[1][1], 0))
	zad := x[0] - s.m.logitMastery
	pod := x[0] + x[1] - s.m.logitReach
	return Posterior{
		Attempts:          n,
		Ability:           Estimate{x[0], sdT},
		Elasticity:        Estimate{x[1], sdE},
		Cov:               cov,
		ZADEdge:           Estimate{zad, sdT},
		PointOfDifficulty: Estimate{pod, sdReach},
		ZPD:               Band{zad, pod},
		ZPDWidth:          Estimate{pod - zad, sdE},
		PSupportHelps:     above(x[1], 0, cov[1][1]),
	}
}

// Readiness forecasts the learner of the last Score on item (a model item
// index or NoItem) exercising skills (model skill indexes; when empty, the
// model's skills of the item). Probabilities average over the posterior
// (probit approximation), and an unseen item adds its prior variance.
func (s *Scorer) Readiness(item int32, skills []int32) Readiness {
	skills = s.m.AttemptSkills(item, skills)
	p := s.m.p
	b, d := s.m.ItemParams(item, skills)
	var extra1, extra2 float64
	if item == NoItem {
		extra1 = p.ItemSD * p.ItemSD
		extra2 = extra1 + p.SupportSD*p.SupportSD
	}
	l := s.termOf(skills)
	if s.post.bank != nil {
		if item == NoItem && len(skills) == 0 {
			return readinessBank(&s.post, b-l, extra1, s.m.ZoneRule())
		}
		f := s.m.FeedbackItemParams(item, skills)
		extraF := extra1
		if item == NoItem {
			extraF += p.Feedback.ItemSD * p.Feedback.ItemSD
		}
		return readiness3(&s.post, b-l, d, f, extra1, extra2, extraF, s.m.ZoneRule())
	}
	return readiness(&s.post, b-l, d, extra1, extra2, s.m.ZoneRule())
}

// termOf is Model.Term's l for skills under the current practice, with
// each skill's share computed once per Score.
func (s *Scorer) termOf(skills []int32) float64 {
	if !s.m.p.Config.Learning || len(skills) == 0 {
		return 0
	}
	var l float64
	for _, k := range skills {
		if s.termAt[k] != s.gen {
			s.terms[k], _ = s.m.skillTerm(s.practice.Skill(k), k)
			s.termAt[k] = s.gen
		}
		l += s.terms[k]
	}
	return l / float64(len(skills))
}

// ReadinessAt forecasts a learner with this posterior on an item the
// model does not know but whose difficulty (logits, on the model's scale)
// the platform supplies: Scorer.Readiness for that difficulty with no
// item support effect and no practice adjustment, zoned by rule z.
func (post Posterior) ReadinessAt(difficulty float64, z ZoneRule) Readiness {
	if post.bank != nil {
		return readinessBank(&post, difficulty, 0, z)
	}
	return readiness(&post, difficulty, 0, 0, 0, z)
}

// readiness forecasts a learner with posterior post on an item of
// effective difficulty b whose support adds d, with extra1 and extra2 of
// logit variance for item effects unknown alone and with support. The
// probabilities average over the posterior of (θ, ε) by the probit
// approximation (docs/models.md).
func readiness(post *Posterior, b, d, extra1, extra2 float64, z ZoneRule) Readiness {
	v1 := post.Cov[0][0] + extra1
	v2 := math.Max(post.Cov[0][0]+2*post.Cov[0][1]+post.Cov[1][1], 0) + extra2
	eta1 := post.Ability.Value - b
	eta2 := eta1 + post.Elasticity.Value + d
	p1 := sigmoid(eta1 * probitScale(v1))
	p2 := sigmoid(eta2 * probitScale(v2))
	lm, lr := z.thresholds()
	r := Readiness{
		Difficulty:  b,
		Independent: Estimate{p1, p1 * (1 - p1) * math.Sqrt(v1)},
		Supported:   Estimate{p2, p2 * (1 - p2) * math.Sqrt(v2)},
		PMastered:   above(eta1, lm, v1),
		PReach:      above(eta2, lr, v2),
	}
	r.Zone = z.zone(r.PMastered, r.PReach)
	return r
}

// zone labels an item from the posterior probabilities that the learner
// has mastered it and that it is within reach with support.
func (z ZoneRule) zone(pMastered, pReach float64) Zone {
	switch {
	case pMastered >= z.Credibility:
		return Mastered
	case 1-pReach >= z.Credibility:
		return BeyondReach
	}
	return Proximal
}

// above is P(η ≥ threshold) for η normal with mean eta and variance v:
// σ(η) ≥ p exactly when η ≥ logit(p), so this is the posterior probability
// that a forecast probability clears its threshold.
func above(eta, threshold, v float64) float64 {
	if !(v > 0) {
		if eta >= threshold {
			return 1
		}
		return 0
	}
	return 0.5 * math.Erfc((threshold-eta)/math.Sqrt(2*v))
}

// probitScale shrinks a logit with variance v so that σ(scale·η) ≈
// E[σ(η + noise)] (MacKay's probit approximation).
func probitScale(v float64) float64 { return 1 / math.Sqrt(1+math.Pi*v/8) }
