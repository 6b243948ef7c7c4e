package serve

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// loaded is one loaded artifact: the model every request of its generation
// scores against, and a pool of workers (Scorers are not safe for
// concurrent use). A reload builds a new loaded and swaps the pointer;
// requests holding the old one finish on it.
type loaded struct {
	meta     artifact.Metadata
	model    *elasticity.Model
	dir      string
	loadedAt time.Time
	mastery  float64
	reach    float64
	// policies are the pathway policies, in pathway.Names() order, with
	// their default settings (options.policy, else config policy).
	policies []pathway.Policy
	workers  sync.Pool
}

// worker is a Scorer with the scratch space of one learner's scoring.
type worker struct {
	scorer    *elasticity.Scorer
	history   elasticity.History
	skills    []int32
	readiness []elasticity.Readiness
	sources   []features.Source
	recs      []pathway.Recommendation
	// unknown holds the ids of the scored learner's attempts at items the
	// model does not know, to count them and their distinct items.
	unknown [][]byte
	// cands and candSkills hold the candidates as a policy sees them.
	cands      []pathway.Candidate
	candSkills []int32
	// candSkillEnd[k] ends candidate k's skills in candSkills.
	candSkillEnd []int
	view         pathway.View
	// checks marks the history's attempts that answered a mastery check,
	// from the learner store; nil on the stateless routes.
	checks []bool
	// learners[i] is policy i's learner state, made once and reset for
	// every learner scored, so recommending does not allocate; obs is the
	// replay's scratch observation.
	learners []pathway.Learner
	obs      pathway.Observation
}

// loadModel reads and checks the artifact in dir: it must be an elasticity
// model whose prior scores to a finite posterior.
func loadModel(dir string) (*loaded, error) {
	m, meta, err := elasticity.Load(dir)
	if err != nil {
		return nil, err
	}
	post := elasticity.NewScorer(m).Score(&elasticity.History{})
	for _, v := range []float64{post.Ability.Value, post.Ability.SD, post.Elasticity.Value, post.Elasticity.SD,
		post.ZADEdge.Value, post.PointOfDifficulty.Value} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("load model %s: the population prior scores to a non-finite posterior %+v", dir, post)
		}
	}
	cfg := m.Params().Config
	l := &loaded{meta: meta, model: m, dir: dir, loadedAt: time.Now(), mastery: cfg.Mastery, reach: cfg.Reach}
	for _, name := range pathway.Names() {
		p, err := pathway.New(name, pathway.DefaultConfig())
		if err != nil {
			return nil, err
		}
		l.policies = append(l.policies, p)
	}
	l.workers.New = func() any {
		return &worker{scorer: elasticity.NewScorer(m), learners: make([]pathway.Learner, len(l.policies))}
	}
	return l, nil
}

func (l *loaded) getWorker() *worker  { return l.workers.Get().(*worker) }
func (l *loaded) putWorker(w *worker) { l.workers.Put(w) }
