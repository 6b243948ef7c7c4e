package features

// Source says how a candidate item was put on a model's difficulty scale.
type Source uint8

const (
	// FromModel: the model knows the item.
	FromModel Source = iota
	// FromDifficulty: an unknown item whose difficulty the platform gives.
	FromDifficulty
	// FromSkills: an unknown item placed at its known skills' mean.
	FromSkills
)

// String names the source as the server and batch output do.
func (s Source) String() string {
	switch s {
	case FromDifficulty:
		return "difficulty"
	case FromSkills:
		return "skills"
	}
	return "model"
}

// Place decides how a candidate is placed: a known item by the model, else
// by a difficulty the platform gives, else by its known skills. ok is false
// when none applies: the model cannot place the item.
func Place(item int32, hasDifficulty bool, skills []int32) (src Source, ok bool) {
	switch {
	case item != NoItem:
		return FromModel, true
	case hasDifficulty:
		return FromDifficulty, true
	case len(skills) > 0:
		return FromSkills, true
	}
	return FromModel, false
}
