package pathway

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	"github.com/zpd-project/zpd/models/elasticity"
)

// Candidate is one item a platform could give next, as the platform knows
// it: by the fitted model, never by any ground truth.
type Candidate struct {
	// Item is the model's item index, or elasticity.NoItem.
	Item int32
	// Skills are the model skill indexes the item exercises.
	Skills []int32
	// Difficulty is the platform's difficulty of the item before practice:
	// the model's b_j, a difficulty the platform supplied, or its skills'
	// mean.
	Difficulty float64
	// Support is the item's support effect d_j in the model (0 when the
	// model does not know the item and its skills).
	Support float64
	// Readiness is the learner's forecast on the item from the Scorer; it is
	// set only for a policy whose UsesModel is true.
	Readiness elasticity.Readiness
}

// Observation is one attempt the platform saw the learner make.
type Observation struct {
	Item    int32
	Skills  []int32
	Outcome elasticity.Outcome
	// Check is true when the attempt was a mastery check the policy gave
	// (the platform remembers what it asked for); an attempt with no such
	// record counts as practice.
	Check bool
}

// View is what a policy sees when it chooses: the learner's posterior
// under the fitted model and the candidates. It holds no ground truth.
type View struct {
	// Model is the fitted elasticity model.
	Model *elasticity.Model
	// Posterior is the learner's posterior given their observed attempts;
	// zero for a policy whose UsesModel is false.
	Posterior  elasticity.Posterior
	Candidates []Candidate
	// Count is how many recommendations to return (at most the candidates).
	Count int
	// Seed drives the policy's random choices, so the same view and seed
	// give the same recommendations (SeedFor).
	Seed uint64
}

// Policy is a pathway rule. It is safe for concurrent use; the state of one
// learner lives in the Learner it returns.
type Policy interface {
	// Name is the policy's name on the command line and in the API.
	Name() string
	// UsesModel reports whether Next reads View.Posterior and
	// Candidate.Readiness, so a platform can skip scoring for policies that
	// need no learner model.
	UsesModel() bool
	// NewLearner starts the policy's state for one learner with no attempts.
	NewLearner(m *elasticity.Model) Learner
}

// Learner is a policy's state for one learner. Not safe for concurrent use.
type Learner interface {
	// Observe records the learner's next attempt.
	Observe(o *Observation)
	// Next appends up to v.Count recommendations to dst, each candidate at
	// most once, in the order to give them. Position counts from the
	// number of attempts observed plus one.
	Next(dst []Recommendation, v *View) []Recommendation
	// Reset returns the learner to no attempts under the model it was made
	// for, keeping its buffers, so a platform can reuse it for the next
	// learner without allocating.
	Reset()
}

// Policy names.
const (
	MasteryFirstName = "mastery-first"
	ZADNextName      = "zad-next"
	ZPDPoDName       = "zpd-pod"
	RandomName       = "random"
	ZPDESName        = "zpdes"
)

// Names lists every policy, the baseline first.
func Names() []string {
	return []string{MasteryFirstName, ZADNextName, ZPDPoDName, RandomName, ZPDESName}
}

// Config holds every policy's settings; keys are the json tags
// (docs/pathways.md). DefaultConfig gives the defaults.
type Config struct {
	// MasteryRun is mastery-first's k: consecutive independent successes
	// on a skill that count it as mastered.
	MasteryRun int `json:"mastery_run"`

	// Target is zpd-pod's aim: the P(success with support) of a stretch.
	Target float64 `json:"target"`
	// CheckEvery makes zpd-pod check mastery after this many attempts
	// without a check.
	CheckEvery int `json:"check_every"`
	// CheckMinGap is the fewest attempts between checks that uncertainty
	// alone can trigger.
	CheckMinGap int `json:"check_min_gap"`
	// SDThreshold triggers a check when the posterior SD of θ, widened by
	// Drift for every attempt since the last check, exceeds it.
	SDThreshold float64 `json:"sd_threshold"`
	// Drift is how far (logits per attempt, as an SD) zpd-pod assumes a
	// learner's ability moves while stretching.
	Drift float64 `json:"drift"`
	// StepBack is how many consolidation items at the ZAD edge follow a
	// failed check before the check is repeated.
	StepBack int `json:"step_back"`
	// Thompson draws (θ, ε) from the posterior for each stretch instead of
	// using its mode.
	Thompson bool `json:"thompson"`

	// ZPDES (Clément et al. 2015): arms are skills, easiest first;
	// StartArms are active at first; an arm's learning progress is the
	// change of its success rate over its last Window attempts; Explore is
	// the share of uniform picks; an arm whose recent success rate reaches
	// Promote opens the next arm, one reaching Retire is closed.
	StartArms int     `json:"start_arms"`
	Window    int     `json:"window"`
	Explore   float64 `json:"explore"`
	Promote   float64 `json:"promote"`
	Retire    float64 `json:"retire"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		MasteryRun:  3,
		Target:      0.65,
		CheckEvery:  8,
		CheckMinGap: 3,
		SDThreshold: 0.6,
		Drift:       0.1,
		StepBack:    2,
		Thompson:    true,
		StartArms:   2,
		Window:      6,
		Explore:     0.2,
		Promote:     0.7,
		Retire:      0.9,
	}
}

// Validate reports every bad setting.
func (c Config) Validate() error {
	var bad []string
	if c.MasteryRun < 1 {
		bad = append(bad, fmt.Sprintf("mastery_run = %d, want >= 1", c.MasteryRun))
	}
	if !(c.Target > 0 && c.Target < 1) {
		bad = append(bad, fmt.Sprintf("target = %v, want in (0, 1)", c.Target))
	}
	if c.CheckEvery < 0 || c.CheckMinGap < 1 {
		bad = append(bad, fmt.Sprintf("check_every = %d, check_min_gap = %d: want >= 0 and >= 1", c.CheckEvery, c.CheckMinGap))
	}
	if !(c.SDThreshold > 0) || !(c.Drift >= 0) {
		bad = append(bad, fmt.Sprintf("sd_threshold = %v, drift = %v: want > 0 and >= 0", c.SDThreshold, c.Drift))
	}
	if c.StepBack < 0 {
		bad = append(bad, fmt.Sprintf("step_back = %d, want >= 0", c.StepBack))
	}
	if c.StartArms < 1 || c.Window < 2 {
		bad = append(bad, fmt.Sprintf("start_arms = %d, window = %d: want >= 1 and >= 2", c.StartArms, c.Window))
	}
	if !(c.Explore >= 0 && c.Explore <= 1) || !(c.Promote > 0 && c.Promote <= 1) || !(c.Retire > 0 && c.Retire <= 1) {
		bad = append(bad, fmt.Sprintf("explore = %v, promote = %v, retire = %v: want in [0, 1], (0, 1], (0, 1]", c.Explore, c.Promote, c.Retire))
	}
	if len(bad) > 0 {
		return fmt.Errorf("pathway: invalid config: %s", strings.Join(bad, "; "))
	}
	return nil
}

// New returns the policy called name with settings cfg.
func New(name string, cfg Config) (Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch name {
	case MasteryFirstName:
		return masteryFirst{cfg}, nil
	case ZADNextName:
		return zadNext{}, nil
	case ZPDPoDName:
		return zpdPoD{cfg}, nil
	case RandomName:
		return random{}, nil
	case ZPDESName:
		return zpdes{cfg}, nil
	}
	return nil, fmt.Errorf("pathway: unknown policy %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// ParseNames splits a comma-separated list of policy names, checking each.
func ParseNames(list string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("pathway: unknown policy %q (want one of %s)", n, strings.Join(Names(), ", "))
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("pathway: policy %q listed twice", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pathway: no policy named")
	}
	return out, nil
}

// SeedFor is the seed of a recommendation for learner after attempts
// attempts: the server and batch scoring use it, so both give the same
// recommendations for the same learner and history.
func SeedFor(learner string, attempts int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(learner))
	return mix(h.Sum64() ^ mix(uint64(attempts)))
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rng is a SplitMix64 stream: policies draw a few numbers per call, and a
// value type keeps Next free of allocation.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	x := r.s
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// float returns a uniform number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a uniform integer in [0, n).
func (r *rng) intn(n int) int { return int((r.next() >> 1) % uint64(n)) }

// norm returns a standard normal draw (Box–Muller).
func (r *rng) norm() float64 {
	u := 1 - r.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// hasSkill reports whether c exercises skill k.
func (c *Candidate) hasSkill(k int32) bool { return slices.Contains(c.Skills, k) }

// position is the pathway position of the i-th recommendation returned
// after attempts observed attempts.
func position(attempts, i int) int { return attempts + i + 1 }
