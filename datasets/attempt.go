package datasets

import (
	"math"
	"time"
)

// Unknown marks an optional integer field that the source did not record.
const Unknown = -1

// Attempt is one learner's attempt at one item, with the outcome alone and
// with support. It is the row type of the canonical log schema.
type Attempt struct {
	Learner string   // learner id
	Item    string   // item (problem or step) id
	Skills  []string // skill ids the item exercises; may be empty
	// Seq orders a learner's attempts: strictly increasing within a learner.
	Seq int64
	// Time is when the attempt started; the zero Time when unknown.
	Time time.Time

	// Independent is true when the learner was right first time with no help:
	// the Zone of Actual Development outcome.
	Independent bool
	// Supported is true when the learner got it right in the end without the
	// answer being given away: success with support at most.
	Supported bool

	HintsUsed      int32 // hints taken
	HintsAvailable int32 // hints the item offers; Unknown when not recorded
	Retries        int32 // responses after the first (retries after feedback)
	Scaffolded     bool  // the learner was led through scaffolding sub-steps
	AnswerGiven    bool  // a bottom-out hint or worked step gave the answer

	// ResponseMS is the time to first response in milliseconds; NaN when unknown.
	ResponseMS float64
	// Difficulty is item difficulty metadata from the source; NaN when unknown.
	Difficulty float64
	// Groups holds the values of the log's group columns (school, class,
	// demographic), aligned with the log's group names; "" when unknown.
	Groups []string
}

// SupportUsed is the amount of support the attempt drew on: hints taken plus
// retries after feedback, as the evaluation protocol counts it.
func (a *Attempt) SupportUsed() int32 { return a.HintsUsed + a.Retries }

// NewAttempt returns an Attempt with the optional fields set to unknown.
func NewAttempt() Attempt {
	return Attempt{HintsAvailable: Unknown, ResponseMS: math.NaN(), Difficulty: math.NaN()}
}
