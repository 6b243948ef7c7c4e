package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
)

// LearnerState is one learner's posterior under the elasticity model, given
// their whole history in the log.
type LearnerState struct {
	ID        string
	Attempts  int
	Posterior elasticity.Posterior
	// Groups holds the learner's value of each group column of the log (on
	// their first attempt), aligned with Log.GroupNames.
	Groups []string
	// Marks are the learner's attempts placed on the difficulty scale.
	Marks []AttemptMark
}

// AttemptMark is one attempt of a learner on the model's difficulty scale.
type AttemptMark struct {
	Difficulty float64 // the item's b_j (its skills' mean for an item the model never saw)
	Outcome    elasticity.Outcome
}

// scoreLearners scores every learner of log with at least one attempt.
func scoreLearners(m *elasticity.Model, log *datasets.Log) []LearnerState {
	res := features.NewLogResolver(m.Index(), log)
	sc := elasticity.NewScorer(m)
	var h elasticity.History
	var skills []int32
	var out []LearnerState
	for u, rows := range log.Histories() {
		if len(rows) == 0 {
			continue
		}
		h.Reset()
		st := LearnerState{ID: log.Learners.ID(int32(u)), Attempts: len(rows), Marks: make([]AttemptMark, len(rows))}
		for k, row := range rows {
			res.Append(&h, int(row))
			skills = res.Skills(skills[:0], int(row))
			b, _ := m.ItemParams(res.Item(int(row)), skills)
			st.Marks[k] = AttemptMark{
				Difficulty: b,
				Outcome:    elasticity.OutcomeOf(log.Independent[row], log.Supported[row]),
			}
		}
		st.Posterior = sc.Score(&h)
		for g := range log.GroupNames {
			st.Groups = append(st.Groups, log.Groups[g][rows[0]])
		}
		out = append(out, st)
	}
	return out
}

// Chosen is a learner picked for a ZPD chart, with the reason.
type Chosen struct {
	State LearnerState
	Why   string
}

// chooseLearners returns the learners named in ids (an unknown id is an
// error), or when ids is empty a pair with nearly the same ability and the
// most different elasticity, plus the learner with the most attempts.
func chooseLearners(states []LearnerState, ids []string) ([]Chosen, error) {
	if len(ids) > 0 {
		byID := make(map[string]int, len(states))
		for i, s := range states {
			byID[s.ID] = i
		}
		var out []Chosen
		for _, id := range ids {
			i, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("learner %q is not in the log", id)
			}
			out = append(out, Chosen{states[i], "requested"})
		}
		return out, nil
	}
	return autoChoose(states), nil
}

// minChartAttempts is the history length a learner needs to be picked
// automatically: shorter histories are mostly the prior.
const minChartAttempts = 20

func autoChoose(states []LearnerState) []Chosen {
	var pool []int
	for i, s := range states {
		if s.Attempts >= minChartAttempts {
			pool = append(pool, i)
		}
	}
	if len(pool) < 2 { // small logs: take everyone
		pool = pool[:0]
		for i := range states {
			pool = append(pool, i)
		}
	}
	var out []Chosen
	if a, b, ok := similarAbility(states, pool); ok {
		why := fmt.Sprintf("similar ability (θ %.2f vs %.2f), different elasticity (ε %.2f vs %.2f)",
			states[a].Posterior.Ability.Value, states[b].Posterior.Ability.Value,
			states[a].Posterior.Elasticity.Value, states[b].Posterior.Elasticity.Value)
		out = append(out, Chosen{states[a], why}, Chosen{states[b], why})
	}
	most := -1
	for _, i := range pool {
		if most < 0 || states[i].Attempts > states[most].Attempts {
			most = i
		}
	}
	if most >= 0 && (len(out) == 0 || (states[most].ID != out[0].State.ID && states[most].ID != out[1].State.ID)) {
		out = append(out, Chosen{states[most], "most attempts"})
	}
	return out
}

// maxPairWindow caps the neighbours searched per learner when many
// learners share one ability (short histories all sit at the prior).
const maxPairWindow = 200

// similarAbility returns the pair of pool learners whose abilities differ by
// at most a tenth of the pool's ability SD (at least 0.05 logits) and whose
// elasticities differ most.
func similarAbility(states []LearnerState, pool []int) (a, b int, ok bool) {
	if len(pool) < 2 {
		return 0, 0, false
	}
	idx := append([]int(nil), pool...)
	theta := func(i int) float64 { return states[i].Posterior.Ability.Value }
	sort.Slice(idx, func(x, y int) bool { return theta(idx[x]) < theta(idx[y]) })
	var sum, sq float64
	for _, i := range idx {
		sum += theta(i)
		sq += theta(i) * theta(i)
	}
	n := float64(len(idx))
	tol := math.Max(0.1*math.Sqrt(math.Max(sq/n-(sum/n)*(sum/n), 0)), 0.05)
	best := -1.0
	for x := range idx {
		for y := x + 1; y < len(idx) && y <= x+maxPairWindow && theta(idx[y])-theta(idx[x]) <= tol; y++ {
			d := math.Abs(states[idx[x]].Posterior.Elasticity.Value - states[idx[y]].Posterior.Elasticity.Value)
			if d > best {
				best, a, b = d, idx[x], idx[y]
			}
		}
	}
	if best < 0 {
		return 0, 0, false
	}
	if states[a].Posterior.Elasticity.Value > states[b].Posterior.Elasticity.Value {
		a, b = b, a // lower elasticity first
	}
	return a, b, true
}
