package features

import "github.com/zpd-project/zpd/datasets"

// NoItem and NoSkill mark ids a model never saw in training.
const (
	NoItem  int32 = -1
	NoSkill int32 = -1
)

// ID is an item or skill id as a caller holds it: a string, or the bytes
// of a request body (the server resolves those without allocating).
type ID interface{ ~string | ~[]byte }

// Index is a model's vocabulary: its items and skills by id, and the skills
// of each item. It is safe for concurrent use.
type Index struct {
	items, skills  map[string]int32
	itemSkillStart []int32
	itemSkills     []int32
}

// NewIndex indexes items and skills by position; item j's skills are
// itemSkills[itemSkillStart[j]:itemSkillStart[j+1]] (skill positions).
// The Index keeps the slices; do not modify them afterwards.
func NewIndex(items, skills []string, itemSkillStart, itemSkills []int32) *Index {
	ix := &Index{
		items:          make(map[string]int32, len(items)),
		skills:         make(map[string]int32, len(skills)),
		itemSkillStart: itemSkillStart,
		itemSkills:     itemSkills,
	}
	for i, id := range items {
		ix.items[id] = int32(i)
	}
	for i, id := range skills {
		ix.skills[id] = int32(i)
	}
	return ix
}

// Item returns the index of an item id, or NoItem.
func (ix *Index) Item(id string) int32 {
	if i, ok := ix.items[id]; ok {
		return i
	}
	return NoItem
}

// Skill returns the index of a skill id, or NoSkill.
func (ix *Index) Skill(id string) int32 {
	if i, ok := ix.skills[id]; ok {
		return i
	}
	return NoSkill
}

// Items returns the number of items.
func (ix *Index) Items() int { return len(ix.itemSkillStart) - 1 }

// Skills returns the number of skills.
func (ix *Index) Skills() int { return len(ix.skills) }

// ItemSkills returns the skills of item j (not NoItem).
func (ix *Index) ItemSkills(j int32) []int32 {
	return ix.itemSkills[ix.itemSkillStart[j]:ix.itemSkillStart[j+1]]
}

// AttemptSkills is the skill rule: an attempt at item exercises skills, the
// known skills it lists, or, when it lists none, the skills of its item
// (none for an item the model does not know). The fit, the scorer, the
// report and the pathway policies all apply it, so an attempt without
// skills means the same everywhere.
func (ix *Index) AttemptSkills(item int32, skills []int32) []int32 {
	if len(skills) == 0 && item != NoItem {
		return ix.ItemSkills(item)
	}
	return skills
}

// ItemOf returns the index of an item id held as a string or bytes.
func ItemOf[T ID](ix *Index, id T) int32 {
	// A map index by string(bytes) does not allocate.
	if i, ok := ix.items[string(id)]; ok {
		return i
	}
	return NoItem
}

// AppendSkills appends the indexes of the known skill ids to dst and returns
// it; unknown ids are left out. It does not allocate when dst has room.
func AppendSkills[T ID](dst []int32, ix *Index, ids []T) []int32 {
	for _, id := range ids {
		if k, ok := ix.skills[string(id)]; ok {
			dst = append(dst, k)
		}
	}
	return dst
}

// ItemSkillSets returns each item's skills in log (CSR: skills indexes the
// log's skills, item j's are skills[start[j]:start[j+1]]): those of the
// item's first row that lists any, so an item is skill-less only when no
// row gives it a skill.
func ItemSkillSets(log *datasets.Log) (skills, start []int32) {
	first := make([]int32, log.Items.Len())
	for i := range first {
		first[i] = -1
	}
	for r, j := range log.Item {
		if first[j] < 0 && log.SkillStart[r+1] > log.SkillStart[r] {
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

// LogIndex is the Index of a log's own vocabulary: its interned items and
// skills, with ItemSkillSets. A fit whose model indexes are the log's uses
// it, so its training rows resolve skills as the scorer will.
func LogIndex(log *datasets.Log) *Index {
	skills, start := ItemSkillSets(log)
	return NewIndex(log.Items.IDs(), log.SkillIDs.IDs(), start, skills)
}

// ItemSkillsCSR returns every item's skills at once, as NewIndex took them
// (item j's are skills[start[j]:start[j+1]]). They must not be modified.
func (ix *Index) ItemSkillsCSR() (skills, start []int32) { return ix.itemSkills, ix.itemSkillStart }
