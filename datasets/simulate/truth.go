package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Truth is the ground truth behind a simulated log: the parameters every
// learner, item and skill was drawn with. Learners[i] is the learner with
// index i; SimulateLog interns learners in this order, so a Log's learner
// index equals its Truth index.
type Truth struct {
	Config   Config
	Learners []LearnerTruth
	Items    []ItemTruth
	Skills   []SkillTruth
	// Attempts is the number of attempts simulated.
	Attempts int64
}

// LearnerTruth is one learner's true parameters.
type LearnerTruth struct {
	ID string
	// Theta is ability alone (ZAD) before any practice, in logits, including
	// the learner's group shift.
	Theta float64
	// Elasticity is ε: how many logits support adds to the learner's ability.
	Elasticity float64
	// Group is the learner's school ("" without groups).
	Group string
	// Attempts is the number of attempts the learner made.
	Attempts int
}

// PointOfDifficulty is the hardest item difficulty the learner, before any
// practice, still succeeds on with probability p when support is offered:
// the b solving σ(θ + ε·g − b) = p.
func (l LearnerTruth) PointOfDifficulty(p float64) float64 {
	return l.Theta + l.Elasticity*SupportOffered(nil) - Logit(p)
}

// ItemTruth is one item's true parameters.
type ItemTruth struct {
	ID         string
	Difficulty float64  // bⱼ in logits
	Skills     []string // skill ids, one or two
	// HintsAvailable is the number of hints; 0 means the item leads a
	// failing learner through scaffolding sub-questions instead.
	HintsAvailable int32

	skills []int32 // indexes into Truth.Skills
}

// SkillTruth is one skill's true parameters.
type SkillTruth struct {
	ID   string
	Mean float64 // μₖ, the mean difficulty of the skill's items
}

// Random streams, each fixed by its purpose so the output does not depend on
// the number of workers: stream 0 draws the skills and items, stream 1 the
// learners' parameters (in learner order), and stream 2+i learner i's
// attempts.
const (
	itemStream    = 0
	learnerStream = 1
	attemptStream = 2
)

// newRand returns the PCG stream for (seed, stream), mixing both through
// SplitMix64 so nearby seeds and streams give unrelated sequences.
func newRand(seed, stream uint64) *rand.Rand {
	s1 := splitMix64(seed)
	return rand.New(rand.NewPCG(s1, splitMix64(s1^splitMix64(stream+0x9e3779b97f4a7c15))))
}

func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// idFormat returns a zero-padded id format wide enough for n ids, so ids sort
// in index order.
func idFormat(prefix string, n int) string {
	return fmt.Sprintf("%s%%0%dd", prefix, len(fmt.Sprint(max(n-1, 0))))
}

// newTruth draws the skills, the items and the learners' parameters. It
// also returns each learner's group index (-1 without groups).
func newTruth(cfg Config) (*Truth, []int) {
	t := &Truth{Config: cfg}
	rng := newRand(cfg.Seed, itemStream)
	t.Skills = make([]SkillTruth, cfg.Skills)
	skillFmt := idFormat("skill-", cfg.Skills)
	for k := range t.Skills {
		t.Skills[k] = SkillTruth{ID: fmt.Sprintf(skillFmt, k), Mean: cfg.SkillSD * rng.NormFloat64()}
	}
	t.Items = make([]ItemTruth, cfg.Items)
	itemFmt := idFormat("item-", cfg.Items)
	for j := range t.Items {
		t.Items[j] = drawItem(cfg, rng, t.Skills, j, fmt.Sprintf(itemFmt, j))
	}
	t.Learners = make([]LearnerTruth, cfg.Learners)
	groups := make([]int, cfg.Learners)
	learnerFmt := idFormat("learner-", cfg.Learners)
	names := groupNames(cfg.Groups)
	rng = newRand(cfg.Seed, learnerStream)
	for i := range t.Learners {
		l := &t.Learners[i]
		l.ID = fmt.Sprintf(learnerFmt, i)
		groups[i] = drawLearner(cfg, rng, l, names)
		t.Attempts += int64(l.Attempts)
	}
	return t, groups
}

// drawItem draws item j. Its first skill cycles through the skills so that
// every skill has items; a second, different skill is added with
// probability TwoSkillShare.
func drawItem(cfg Config, rng *rand.Rand, skills []SkillTruth, j int, id string) ItemTruth {
	it := ItemTruth{ID: id, skills: []int32{int32(j % len(skills))}}
	if rng.Float64() < cfg.TwoSkillShare {
		other := rng.IntN(len(skills) - 1)
		if other >= int(it.skills[0]) {
			other++
		}
		it.skills = append(it.skills, int32(other))
	}
	mean := 0.0
	for _, k := range it.skills {
		it.Skills = append(it.Skills, skills[k].ID)
		mean += skills[k].Mean
	}
	mean /= float64(len(it.skills))
	it.Difficulty = mean + cfg.ItemSD*rng.NormFloat64()
	if rng.Float64() >= cfg.ScaffoldedShare {
		it.HintsAvailable = 1 + int32(binomial(rng, cfg.MaxHints-1, 0.5))
	}
	return it
}

// drawLearner draws a learner's parameters and returns the learner's group
// index (-1 without groups). It makes the same number of draws for every
// learner, so learner i's parameters do not depend on how many follow.
func drawLearner(cfg Config, rng *rand.Rand, l *LearnerTruth, groupNames []string) int {
	z1, z2 := rng.NormFloat64(), rng.NormFloat64()
	l.Theta = cfg.ThetaMean + cfg.ThetaSD*z1
	rho := cfg.Correlation
	l.Elasticity = cfg.ElasticityMean + cfg.ElasticitySD*(rho*z1+math.Sqrt(1-rho*rho)*z2)
	g := -1
	if cfg.Groups > 0 {
		g = rng.IntN(cfg.Groups)
		l.Group = groupNames[g]
		if len(cfg.GroupThetaShift) > 0 {
			l.Theta += cfg.GroupThetaShift[g]
		}
	}
	l.Attempts = cfg.MinAttempts + rng.IntN(cfg.MaxAttempts-cfg.MinAttempts+1)
	return g
}

// groupNames names the schools.
func groupNames(n int) []string {
	f := idFormat("school-", n)
	names := make([]string, n)
	for g := range names {
		names[g] = fmt.Sprintf(f, g)
	}
	return names
}

// binomial draws Binomial(n, p) by counting Bernoulli trials; n is small here.
func binomial(rng *rand.Rand, n int, p float64) int {
	k := 0
	for range n {
		if rng.Float64() < p {
			k++
		}
	}
	return k
}

// poisson draws Poisson(mean) by Knuth's product method; the means here are
// small (the callers cap them), so the loop is short.
func poisson(rng *rand.Rand, mean float64) int {
	limit := math.Exp(-mean)
	k, prod := 0, rng.Float64()
	for prod > limit {
		k++
		prod *= rng.Float64()
	}
	return k
}
