package elasticity

import (
	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
)

// design is the training log compacted for the fit: one row per attempt of a
// fitting learner, grouped by learner in history order, with the practice
// features of each (row, skill) precomputed by package features, skills
// resolved by its rule (the attempt's, else its item's), as the Scorer does. Item and skill indexes are the
// log's own, which become the model's.
type design struct {
	nItems, nSkills int
	learnerStart    []int32 // rows of fitting learner u: learnerStart[u]:learnerStart[u+1]
	item            []int32
	out             []Outcome
	hinted          []bool               // per row: support included hints (FeedbackStage only)
	entStart        []int32              // row r's skill entries: entStart[r]:entStart[r+1]
	entSkill        []int32              // skill of each entry
	entF            [][nFeatures]float32 // practice features before the attempt

	itemSkillStart, itemSkills []int32 // skills of each item (features.ItemSkillSets)
	itemRows                   []int32 // fitting rows per item
	skillEntries               []int32 // fitting entries per skill
	// skillPin[k] = Σ over items j with skill k of 1/|K_j|²: how strongly
	// the item priors pin the skill mean (in units of 1/σ²).
	skillPin []float64
}

// newDesign compacts the rows of the given learners (log learner indexes, in
// the order the fit will see them). hist is log.Histories().
func newDesign(log *datasets.Log, hist [][]int32, learners []int32, cfg Config) *design {
	nRows, nEnt := 0, 0
	for _, u := range learners {
		nRows += len(hist[u])
		for _, r := range hist[u] {
			nEnt += int(log.SkillStart[r+1] - log.SkillStart[r])
		}
	}
	d := &design{
		nItems: log.Items.Len(), nSkills: log.SkillIDs.Len(),
		learnerStart: make([]int32, 0, len(learners)+1),
		item:         make([]int32, 0, nRows),
		out:          make([]Outcome, 0, nRows),
		entStart:     make([]int32, 1, nRows+1),
		entSkill:     make([]int32, 0, nEnt),
		entF:         make([][nFeatures]float32, 0, nEnt),
	}
	ix := features.LogIndex(log)
	d.itemSkills, d.itemSkillStart = ix.ItemSkillsCSR()
	d.skillPin = make([]float64, d.nSkills)
	for j := 0; j < d.nItems; j++ {
		sk := ix.ItemSkills(int32(j))
		for _, k := range sk {
			d.skillPin[k] += 1 / float64(len(sk)*len(sk))
		}
	}
	d.itemRows = make([]int32, d.nItems)
	d.skillEntries = make([]int32, d.nSkills)
	scale := features.NewScale(cfg.Practice, cfg.Recency)
	practice := features.NewPractice(d.nSkills, cfg.RecencyDecay)
	d.learnerStart = append(d.learnerStart, 0)
	for _, u := range learners {
		practice.Reset()
		for _, r := range hist[u] {
			o := OutcomeOf(log.Independent[r], log.Supported[r])
			j := log.Item[r]
			d.item = append(d.item, j)
			d.out = append(d.out, o)
			if cfg.FeedbackStage {
				d.hinted = append(d.hinted, log.HintsUsed[r] > 0)
			}
			d.itemRows[j]++
			skills := ix.AttemptSkills(j, log.SkillsOf(int(r)))
			for _, k := range skills {
				d.entSkill = append(d.entSkill, k)
				var f32 [nFeatures]float32
				for i, v := range scale.Vector(practice.Skill(k)) {
					f32[i] = float32(v)
				}
				d.entF = append(d.entF, f32)
				d.skillEntries[k]++
			}
			practice.Add(skills, o)
			d.entStart = append(d.entStart, int32(len(d.entSkill)))
		}
		d.learnerStart = append(d.learnerStart, int32(len(d.item)))
	}
	return d
}

// feedbackSuccess reports whether row r succeeded at the feedback stage:
// wrong alone, right in the end, with no hint.
func (d *design) feedbackSuccess(r int32) bool {
	return d.out[r] == SupportedSuccess && !d.hinted[r]
}

// rows returns the number of attempts.
func (d *design) rows() int { return len(d.item) }

// learners returns the number of fitting learners.
func (d *design) learners() int { return len(d.learnerStart) - 1 }
