package elasticity

import (
	"math"

	"github.com/zpd-project/zpd/datasets"
)

// design is the training log compacted for the fit: one row per attempt of a
// fitting learner, grouped by learner in history order, with the practice
// features of each (row, skill) precomputed. Item and skill indexes are the
// log's own, which become the model's.
type design struct {
	nItems, nSkills int
	learnerStart    []int32 // rows of fitting learner u: learnerStart[u]:learnerStart[u+1]
	item            []int32
	out             []Outcome
	entStart        []int32      // row r's skill entries: entStart[r]:entStart[r+1]
	entSkill        []int32      // skill of each entry
	entF            [][3]float32 // f(practice count) before the attempt, by Outcome

	itemSkillStart, itemSkills []int32 // skills of each item (first occurrence in the log)
	itemRows                   []int32 // fitting rows per item
	skillEntries               []int32 // fitting entries per skill
}

// newDesign compacts the rows of the given learners (log learner indexes, in
// the order the fit will see them). hist is log.Histories().
func newDesign(log *datasets.Log, hist [][]int32, learners []int32, practice string) *design {
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
		entF:         make([][3]float32, 0, nEnt),
	}
	d.itemSkills, d.itemSkillStart = itemSkillSets(log)
	d.itemRows = make([]int32, d.nItems)
	d.skillEntries = make([]int32, d.nSkills)
	f := practiceFunc(practice)
	counts := make([][3]uint32, d.nSkills)
	var touched []int32
	d.learnerStart = append(d.learnerStart, 0)
	for _, u := range learners {
		for _, k := range touched {
			counts[k] = [3]uint32{}
		}
		touched = touched[:0]
		for _, r := range hist[u] {
			o := OutcomeOf(log.Independent[r], log.Supported[r])
			d.item = append(d.item, log.Item[r])
			d.out = append(d.out, o)
			d.itemRows[log.Item[r]]++
			for _, k := range log.SkillsOf(int(r)) {
				c := &counts[k]
				d.entSkill = append(d.entSkill, k)
				d.entF = append(d.entF, [3]float32{float32(f(c[0])), float32(f(c[1])), float32(f(c[2]))})
				d.skillEntries[k]++
				if *c == ([3]uint32{}) {
					touched = append(touched, k)
				}
				if c[o] < math.MaxUint32 {
					c[o]++
				}
			}
			d.entStart = append(d.entStart, int32(len(d.entSkill)))
		}
		d.learnerStart = append(d.learnerStart, int32(len(d.item)))
	}
	return d
}

// itemSkillSets returns each item's skills as seen on its first row in the
// log (CSR: skills, start).
func itemSkillSets(log *datasets.Log) (skills, start []int32) {
	first := make([]int32, log.Items.Len())
	for i := range first {
		first[i] = -1
	}
	for r, j := range log.Item {
		if first[j] < 0 {
			first[j] = int32(r)
		}
	}
	start = make([]int32, 1, len(first)+1)
	for _, r := range first {
		if r >= 0 {
			skills = append(skills, log.SkillsOf(int(r))...)
		}
		start = append(start, int32(len(skills)))
	}
	return skills, start
}

// rows returns the number of attempts.
func (d *design) rows() int { return len(d.item) }

// learners returns the number of fitting learners.
func (d *design) learners() int { return len(d.learnerStart) - 1 }
