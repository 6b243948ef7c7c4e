package policysim

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/stat"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// Setup is a world ready to run: its truth and the platform's fitted model.
type Setup struct {
	World World
	// Model is the platform's elasticity model: fitted to a calibration log
	// of the world (Prepare), or the artifact the world was built from
	// (PrepareFromModel).
	Model *elasticity.Model
	bank  *bank
	// CalibrationAttempts is the size of the calibration log (0 for a
	// world built from a model).
	CalibrationAttempts int
}

// Prepare builds w's bank and fits the platform's model to a calibration
// log: Platform.CalibrationLearners learners from the population (a stream
// of their own, not the learners the policies face), each doing
// CalibrationSteps items drawn uniformly from the bank and learning as
// the world says. The fit uses the elasticity family's defaults.
func Prepare(ctx context.Context, w World, seed uint64) (*Setup, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	bk, err := newBank(&w)
	if err != nil {
		return nil, err
	}
	s := &sim{world: &w, bank: bk}
	s.configure()
	log := datasets.NewLog()
	r := newRand(seed, calibrationStream)
	var st learnerState
	pl := w.Platform
	for i := range pl.CalibrationLearners {
		lt := drawLearner(&w.Population, mix(seed^0xca11b), i)
		st.reset(len(bk.skillIDs))
		id := "cal" + strconv.Itoa(i)
		for t := range pl.CalibrationSteps {
			j := int32(r.IntN(len(bk.ids)))
			o, cat, _ := s.attempt(lt, &st, j, r.Float64(), r.Float64())
			s.learn(&st, j, cat)
			st.advance(s.minutes[o], s.halfLife)
			a := datasets.NewAttempt()
			a.Learner, a.Item, a.Seq = id, bk.ids[j], int64(t)
			for _, k := range bk.skills[j] {
				a.Skills = append(a.Skills, bk.skillIDs[k])
			}
			a.Independent, a.Supported = o == elasticity.IndependentSuccess, o != elasticity.Failed
			a.AnswerGiven = o == elasticity.Failed
			log.Append(&a)
		}
	}
	fitted, err := elasticity.Family{}.Fit(ctx, log, models.FitOptions{Seed: int64(seed)})
	if err != nil {
		return nil, fmt.Errorf("world %s: fit the platform model to the calibration log: %w", w.Name, err)
	}
	m := fitted.(*elasticity.Model)
	return &Setup{World: w, Model: m, bank: bk, CalibrationAttempts: log.Len()}, nil
}

// WorldFromModel builds a world from a trained elasticity model, keeping
// base's time, thresholds, platform and policy settings: the population
// is the model's N(μ, Σ) of (θ, ε); the bank is the model's items with
// their fitted difficulty b_j, support effect d_j and skills; learning is
// log1p practice with the model's global count rates γ (failed,
// supported, independent). What that assumes (docs/pathways.md): the
// fitted rates are associations in the log, partly standing in for
// ability and selection; beyond-reach practice teaches what failure
// teaches (the log cannot tell them apart); recency effects and per-skill
// rates are left out; no forgetting.
func WorldFromModel(m *elasticity.Model, base World) World {
	p := m.Params()
	w := base
	w.Name = "from-model"
	sdT, sdE := math.Sqrt(p.Cov[0][0]), math.Sqrt(p.Cov[1][1])
	w.Population = Population{ThetaMean: p.Mean[0], ThetaSD: sdT, ElasticityMean: p.Mean[1], ElasticitySD: sdE,
		Correlation: p.Cov[0][1] / (sdT * sdE)}
	w.Bank = Bank{}
	for j, id := range p.Items {
		it := ItemSpec{ID: id, Difficulty: p.Difficulty[j], Support: p.SupportEffect[j]}
		for _, k := range m.ItemSkills(int32(j)) {
			it.Skills = append(it.Skills, p.Skills[k])
		}
		if len(it.Skills) == 0 {
			it.Skills = []string{"(no skill)"}
		}
		w.Bank.List = append(w.Bank.List, it)
	}
	w.Learning = Learning{Practice: "log1p", Failed: p.Rates[0], Supported: p.Rates[1], Independent: p.Rates[2], BeyondReach: p.Rates[0]}
	w.Mastery, w.Reach = p.Config.Mastery, p.Config.Reach
	return w
}

// SummaryWorldFromModel is WorldFromModel with the bank summarised: instead
// of the model's items, a drawn bank (Bank.Seed from base) with as many
// skills and items as the model, the population SD of the fitted skill
// difficulties β_k (skill_sd), of the item difficulties around the mean of
// their skills' β (item_sd), and of the support effects d_j (support_sd),
// and the fitted share of items with two or more skills. The result is a
// compact world file; with it the platform fits its own model to a
// calibration log (Prepare), as for any world file.
func SummaryWorldFromModel(m *elasticity.Model, base World) World {
	w := WorldFromModel(m, base)
	p := m.Params()
	_, skillSD := stat.PopMeanStdDev(p.SkillDifficulty, nil)
	_, supportSD := stat.PopMeanStdDev(p.SupportEffect, nil)
	resid := make([]float64, 0, len(p.Items))
	multi := 0
	for j := range p.Items {
		ks := m.ItemSkills(int32(j))
		if len(ks) == 0 {
			continue
		}
		if len(ks) > 1 {
			multi++
		}
		mean := 0.0
		for _, k := range ks {
			mean += p.SkillDifficulty[k]
		}
		resid = append(resid, p.Difficulty[j]-mean/float64(len(ks)))
	}
	_, itemSD := stat.PopMeanStdDev(resid, nil)
	w.Bank = Bank{Seed: base.Bank.Seed, Skills: len(p.Skills), SkillSD: skillSD, Items: len(p.Items), ItemSD: itemSD,
		SupportSD: supportSD, TwoSkillShare: float64(multi) / float64(len(p.Items))}
	return w
}

// PrepareFromModel sets up the world WorldFromModel(m, base) with m as the
// platform's model.
func PrepareFromModel(m *elasticity.Model, base World) (*Setup, error) {
	w := WorldFromModel(m, base)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	bk, err := newBank(&w)
	if err != nil {
		return nil, err
	}
	return &Setup{World: w, Model: m, bank: bk}, nil
}

// configure derives the per-run constants from the world.
func (s *sim) configure() {
	l := s.world.Learning
	s.gamma = [nCats]float64{catFailed: l.Failed, catSupported: l.Supported, catIndependent: l.Independent, catBeyond: l.BeyondReach}
	s.logPractice = l.Practice == "log1p"
	s.halfLife = l.ForgettingHalfLife.Minutes()
	t := s.world.Time
	s.minutes = [3]float64{elasticity.Failed: t.Failed.Minutes(), elasticity.SupportedSuccess: t.Supported.Minutes(),
		elasticity.IndependentSuccess: t.Independent.Minutes()}
}

// candidates places every world item as the platform's model knows it: by
// id, an item the model never saw by its skills.
func (s *sim) placeCandidates() {
	m := s.model
	s.cands = make([]pathway.Candidate, len(s.bank.ids))
	for j, id := range s.bank.ids {
		var skills []int32
		for _, k := range s.bank.skills[j] {
			if mk := m.SkillIndex(s.bank.skillIDs[k]); mk != elasticity.NoSkill {
				skills = append(skills, mk)
			}
		}
		s.cands[j] = pathway.Place(m, m.ItemIndex(id), skills)
	}
}

// attempt draws the outcome of learner lt (state st) on item j from the
// uniforms u1 (alone) and u2 (with support), and its learning category.
func (s *sim) attempt(lt learnerTruth, st *learnerState, j int32, u1, u2 float64) (o elasticity.Outcome, cat int, zone elasticity.Zone) {
	bk := s.bank
	a := lt.theta + st.learned(bk, j)
	p1 := sigmoid(a - bk.b[j])
	p2 := sigmoid(a + lt.eps - bk.b[j] + bk.d[j])
	o = elasticity.Failed
	switch {
	case u1 < p1:
		o = elasticity.IndependentSuccess
	case u2 < p2:
		o = elasticity.SupportedSuccess
	}
	cat = int(o)
	switch {
	case p1 >= s.world.Mastery:
		zone = elasticity.Mastered
	case p2 >= s.world.Reach:
		zone = elasticity.Proximal
	default:
		zone, cat = elasticity.BeyondReach, catBeyond
	}
	return o, cat, zone
}
