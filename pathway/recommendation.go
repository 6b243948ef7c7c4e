package pathway

// Kind is why an item was recommended.
type Kind uint8

// Kinds of recommendation.
const (
	// Stretch aims at the point of difficulty: zpd-pod's item in the ZPD
	// whose P(success with support) is nearest its target.
	Stretch Kind = iota
	// MasteryCheck aims at the ZAD edge: an item the learner should
	// manage alone, to confirm it (zpd-pod's checks, mastery-first's
	// re-verifications).
	MasteryCheck
	// Practice is ordinary practice: mastery-first's next item on the
	// current skill, zad-next's item just beyond the ZAD edge, zpdes's pick
	// from its chosen arm.
	Practice
	// StepBack consolidates at the ZAD edge after a failed mastery check.
	StepBack
	// Explore is a pick made at random.
	Explore
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case MasteryCheck:
		return "mastery_check"
	case Practice:
		return "practice"
	case StepBack:
		return "step_back"
	case Explore:
		return "explore"
	}
	return "stretch"
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Recommendation is one recommended item.
type Recommendation struct {
	// Candidate indexes View.Candidates.
	Candidate int
	Kind      Kind
	// Position is the recommendation's number in the learner's pathway:
	// the attempts observed + 1 for the first one returned.
	Position int
	Reason   string
}
