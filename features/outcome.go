package features

// Outcome is how an attempt ended, in the order of the two stages of the
// attempt: alone first, then with support.
type Outcome uint8

// Outcomes of an attempt. The values index Tally.N and Tally.Recent.
const (
	// Failed: wrong alone and not reached with support (the answer was given).
	Failed Outcome = iota
	// SupportedSuccess: wrong alone, right in the end with support.
	SupportedSuccess
	// IndependentSuccess: right first time with no help.
	IndependentSuccess
)

// NumOutcomes is the number of outcomes.
const NumOutcomes = 3

// OutcomeOf maps the log's two success flags to an Outcome.
func OutcomeOf(independent, supported bool) Outcome {
	switch {
	case independent:
		return IndependentSuccess
	case supported:
		return SupportedSuccess
	}
	return Failed
}

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case IndependentSuccess:
		return "independent"
	case SupportedSuccess:
		return "supported"
	}
	return "failed"
}
