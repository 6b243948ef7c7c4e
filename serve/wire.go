package serve

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/zpd-project/zpd/pathway"
)

// request is a decoded /v1/score or /v1/score/batch body. Learners index
// flat arrays of attempts, candidates and skill ids, so decoding a batch
// reuses a handful of slices instead of allocating per learner. Byte
// slices point into the request body or the lexer's arena and live only as
// long as the request.
type request struct {
	Learners   []learnerIn
	Attempts   []attemptIn
	Candidates []candidateIn
	SkillIDs   [][]byte
	// Options are the batch-level options (single requests keep theirs on
	// the learner).
	Options options
}

// learnerIn is one learner of a request.
type learnerIn struct {
	ID                     []byte
	AttemptStart, AttemptN int32
	CandStart, CandN       int32
	Options                options
}

// attemptIn is one past attempt, in the log schema's field names. Only the
// fields the model scores on are kept; the others are type-checked and
// ignored.
type attemptIn struct {
	Item                 []byte
	SkillStart, SkillEnd int32
	Seq                  int64
	HasSeq               bool
	Independent          bool
	Supported            bool
	has                  uint8 // hasItem | hasIndependent | hasSupported
	// The fields below are kept for the learner store (serve/learners.go);
	// scoring reads none of them.
	EventID                    []byte
	Timestamp                  []byte
	HintsUsed, HintsAvailable  int64 // HintsAvailable -1 when not given
	Retries                    int64
	Scaffolded, AnswerGiven    bool
	ResponseMS, ItemDifficulty float64 // NaN when not given
}

const (
	hasItem = 1 << iota
	hasIndependent
	hasSupported
)

// candidateIn is an item the platform could give next: known to the model
// by id, or described by a difficulty and/or skills.
type candidateIn struct {
	Item                 []byte
	SkillStart, SkillEnd int32
	Difficulty           float64
	HasDifficulty        bool
}

// options are a request's recommendation settings; unset fields (-1) take
// the batch's, then the server's defaults.
type options struct {
	Recommendations int
	// Policy is the index of a pathway policy in pathway.Names().
	Policy int
}

func unsetOptions() options { return options{-1, -1} }

// merge fills o's unset fields from def.
func (o options) merge(def options) options {
	if o.Recommendations < 0 {
		o.Recommendations = def.Recommendations
	}
	if o.Policy < 0 {
		o.Policy = def.Policy
	}
	return o
}

// limits bound what one request may hold.
type limits struct {
	attempts, candidates, learners int
}

// decoder turns request bodies into requests. It is reused through a pool.
type decoder struct {
	lx  lexer
	req request
	lim limits
	// pathID is the learner of a /v1/learners/{learner_id} route: a body
	// may leave learner_id out, and must not name another.
	pathID []byte
}

func (d *decoder) resetRequest() *request {
	r := &d.req
	r.Learners, r.Attempts, r.Candidates, r.SkillIDs = r.Learners[:0], r.Attempts[:0], r.Candidates[:0], r.SkillIDs[:0]
	r.Options = unsetOptions()
	return r
}

// fieldError is a well-formed request with a bad or missing field; field
// is its path, such as "attempts[3].seq".
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// within prefixes err's field path with name (an object key) or, when
// index ≥ 0, name[index]; syntax errors pass through.
func within(err error, name string, index int) error {
	if err == nil {
		return nil
	}
	var fe *fieldError
	if !errors.As(err, &fe) {
		return err
	}
	p := name
	if index >= 0 {
		p += "[" + strconv.Itoa(index) + "]"
	}
	if fe.field != "" {
		if fe.field[0] == '[' {
			p += fe.field
		} else {
			p += "." + fe.field
		}
	}
	return &fieldError{field: p, msg: fe.msg}
}

// typed turns the lexer's wrong-type and range errors into a field error
// naming what field wanted.
func typed(err error, field, want string) error {
	switch err {
	case nil:
		return nil
	case errWantType:
		return &fieldError{field: field, msg: "want " + want}
	case errRange:
		return &fieldError{field: field, msg: "number out of range"}
	}
	return err
}

// decodeSingle decodes a /v1/score body: one learner object.
func (d *decoder) decodeSingle(body []byte) (*request, error) {
	d.lx.reset(body)
	r := d.resetRequest()
	if err := d.learner(r); err != nil {
		return nil, err
	}
	return r, d.lx.end()
}

// decodeBatch decodes a /v1/score/batch body: {"learners": [...],
// "options": {...}}.
func (d *decoder) decodeBatch(body []byte) (*request, error) {
	d.lx.reset(body)
	r := d.resetRequest()
	seen := false
	err := d.lx.object(func(key []byte) error {
		switch string(key) {
		case "learners":
			seen = true
			r.Learners = r.Learners[:0]
			err := d.lx.array(func(i int) error {
				if i >= d.lim.learners {
					return &fieldError{field: "learners", msg: "more than max_batch_learners (" + strconv.Itoa(d.lim.learners) + ") learners"}
				}
				return within(d.learner(r), "learners", i)
			})
			return typed(err, "learners", "an array of learners")
		case "options":
			return within(d.options(&r.Options), "options", -1)
		}
		return d.lx.skip()
	})
	if err = typed(err, "", "a JSON object"); err != nil {
		return nil, err
	}
	if !seen {
		return nil, &fieldError{field: "learners", msg: "missing"}
	}
	return r, d.lx.end()
}

// learner decodes one learner object and appends it to r.
func (d *decoder) learner(r *request) error {
	l := learnerIn{
		AttemptStart: int32(len(r.Attempts)), CandStart: int32(len(r.Candidates)),
		Options: unsetOptions(),
	}
	hasID := false
	err := d.lx.object(func(key []byte) error {
		switch string(key) {
		case "learner_id":
			id, err := d.lx.str()
			l.ID, hasID = id, err == nil
			return typed(err, "learner_id", "a string")
		case "attempts":
			r.Attempts = r.Attempts[:l.AttemptStart] // a repeated key replaces
			if d.lx.null() {
				return nil
			}
			err := d.lx.array(func(i int) error {
				if i >= d.lim.attempts {
					return &fieldError{field: "attempts", msg: "more than max_attempts (" + strconv.Itoa(d.lim.attempts) + ") attempts"}
				}
				return within(d.attempt(r), "attempts", i)
			})
			return typed(err, "attempts", "an array of attempts")
		case "candidates":
			r.Candidates = r.Candidates[:l.CandStart]
			if d.lx.null() {
				return nil
			}
			err := d.lx.array(func(i int) error {
				if i >= d.lim.candidates {
					return &fieldError{field: "candidates", msg: "more than max_candidates (" + strconv.Itoa(d.lim.candidates) + ") candidates"}
				}
				return within(d.candidate(r), "candidates", i)
			})
			return typed(err, "candidates", "an array of candidate items")
		case "options":
			return within(d.options(&l.Options), "options", -1)
		}
		return d.lx.skip()
	})
	if err = typed(err, "", "a learner object"); err != nil {
		return err
	}
	switch {
	case !hasID && d.pathID == nil:
		return &fieldError{field: "learner_id", msg: "missing"}
	case !hasID:
		l.ID = d.pathID
	case d.pathID != nil && !bytes.Equal(l.ID, d.pathID):
		return &fieldError{field: "learner_id", msg: "not the learner in the path (" + strconv.Quote(string(d.pathID)) + ")"}
	}
	l.AttemptN = int32(len(r.Attempts)) - l.AttemptStart
	l.CandN = int32(len(r.Candidates)) - l.CandStart
	if err := checkOrder(r.Attempts[l.AttemptStart:]); err != nil {
		return err
	}
	r.Learners = append(r.Learners, l)
	return nil
}

// checkOrder requires attempts that carry seq to come in increasing seq
// order, as in the log schema: the model reads them in array order.
func checkOrder(attempts []attemptIn) error {
	last, have := int64(0), false
	for i := range attempts {
		a := &attempts[i]
		if !a.HasSeq {
			continue
		}
		if have && a.Seq <= last {
			return &fieldError{field: "attempts[" + strconv.Itoa(i) + "].seq",
				msg: "seq " + strconv.FormatInt(a.Seq, 10) + " after " + strconv.FormatInt(last, 10) + ": attempts must be sent oldest first, seq strictly increasing"}
		}
		last, have = a.Seq, true
	}
	return nil
}

// attempt decodes one attempt object.
func (d *decoder) attempt(r *request) error {
	a := attemptIn{SkillStart: int32(len(r.SkillIDs)), HintsAvailable: -1, ResponseMS: math.NaN(), ItemDifficulty: math.NaN()}
	a.SkillEnd = a.SkillStart
	err := d.lx.object(func(key []byte) error {
		lx := &d.lx
		switch string(key) {
		case "item_id":
			s, err := lx.str()
			a.Item = s
			if err == nil {
				a.has |= hasItem
			}
			return typed(err, "item_id", "a string")
		case "skill_ids":
			var err error
			a.SkillStart, a.SkillEnd, err = d.skills(r)
			return err
		case "seq":
			if lx.null() {
				a.HasSeq = false
				return nil
			}
			n, err := lx.integer()
			a.Seq, a.HasSeq = n, err == nil
			return typed(err, "seq", "an integer")
		case "correct_independent":
			b, err := lx.boolean()
			a.Independent = b
			if err == nil {
				a.has |= hasIndependent
			}
			return typed(err, "correct_independent", "true or false")
		case "correct_supported":
			b, err := lx.boolean()
			a.Supported = b
			if err == nil {
				a.has |= hasSupported
			}
			return typed(err, "correct_supported", "true or false")
		case "event_id":
			return d.optional(key, "a string", func() (err error) { a.EventID, err = lx.str(); return err })
		case "timestamp":
			return d.optional(key, "a string", func() (err error) { a.Timestamp, err = lx.str(); return err })
		case "learner_id":
			return d.optional(key, "a string", func() error { _, err := lx.str(); return err })
		case "hints_used":
			return d.optional(key, "an integer", func() (err error) { a.HintsUsed, err = lx.integer(); return err })
		case "hints_available":
			return d.optional(key, "an integer", func() (err error) { a.HintsAvailable, err = lx.integer(); return err })
		case "retries":
			return d.optional(key, "an integer", func() (err error) { a.Retries, err = lx.integer(); return err })
		case "scaffolded":
			return d.optional(key, "true or false", func() (err error) { a.Scaffolded, err = lx.boolean(); return err })
		case "answer_given":
			return d.optional(key, "true or false", func() (err error) { a.AnswerGiven, err = lx.boolean(); return err })
		case "response_ms":
			return d.optional(key, "a number", func() (err error) { a.ResponseMS, err = lx.float(); return err })
		case "item_difficulty":
			return d.optional(key, "a number", func() (err error) { a.ItemDifficulty, err = lx.float(); return err })
		}
		return lx.skip()
	})
	if err = typed(err, "", "an attempt object"); err != nil {
		return err
	}
	switch {
	case a.has&hasItem == 0:
		return &fieldError{field: "item_id", msg: "missing"}
	case a.has&hasIndependent == 0:
		return &fieldError{field: "correct_independent", msg: "missing"}
	case a.has&hasSupported == 0:
		return &fieldError{field: "correct_supported", msg: "missing"}
	}
	r.Attempts = append(r.Attempts, a)
	return nil
}

// optional type-checks a log field the model does not use: null or want.
func (d *decoder) optional(key []byte, want string, read func() error) error {
	if d.lx.null() {
		return nil
	}
	if err := read(); err != nil {
		return typed(err, string(key), want)
	}
	return nil
}

// skills decodes an array of skill ids (or null) into r.SkillIDs.
func (d *decoder) skills(r *request) (start, end int32, err error) {
	start = int32(len(r.SkillIDs))
	if d.lx.null() {
		return start, start, nil
	}
	err = d.lx.array(func(i int) error {
		if i >= maxSkillsPerItem {
			return &fieldError{field: "skill_ids", msg: "more than " + strconv.Itoa(maxSkillsPerItem) + " skills"}
		}
		s, err := d.lx.str()
		if err != nil {
			return typed(err, "skill_ids["+strconv.Itoa(i)+"]", "a string")
		}
		r.SkillIDs = append(r.SkillIDs, s)
		return nil
	})
	return start, int32(len(r.SkillIDs)), typed(err, "skill_ids", "an array of strings")
}

// maxSkillsPerItem bounds the skill ids of one attempt or candidate.
const maxSkillsPerItem = 64

// candidate decodes one candidate object.
func (d *decoder) candidate(r *request) error {
	c := candidateIn{SkillStart: int32(len(r.SkillIDs))}
	c.SkillEnd = c.SkillStart
	hasItem := false
	err := d.lx.object(func(key []byte) error {
		lx := &d.lx
		switch string(key) {
		case "item_id":
			s, err := lx.str()
			c.Item, hasItem = s, err == nil
			return typed(err, "item_id", "a string")
		case "skill_ids":
			var err error
			c.SkillStart, c.SkillEnd, err = d.skills(r)
			return err
		case "difficulty":
			if lx.null() {
				c.HasDifficulty = false
				return nil
			}
			f, err := lx.float()
			c.Difficulty, c.HasDifficulty = f, err == nil
			return typed(err, "difficulty", "a number")
		}
		return lx.skip()
	})
	if err = typed(err, "", "a candidate object"); err != nil {
		return err
	}
	if !hasItem {
		return &fieldError{field: "item_id", msg: "missing"}
	}
	r.Candidates = append(r.Candidates, c)
	return nil
}

// removedOptionMsg answers options.mastery_check_every and options.served.
const removedOptionMsg = "no longer supported: recommendations come from a pathway policy (options.policy, default zpd-pod), which sets its own mastery-check cadence (docs/serve.md)"

// policy decodes options.policy: a pathway policy name, or null for the
// server's default (config policy).
func (d *decoder) policy(o *options) error {
	if d.lx.null() {
		o.Policy = -1
		return nil
	}
	name, err := d.lx.str()
	if err != nil {
		return typed(err, "policy", "a string")
	}
	for i, n := range pathway.Names() {
		if string(name) == n {
			o.Policy = i
			return nil
		}
	}
	return &fieldError{field: "policy", msg: "unknown policy: want one of " + strings.Join(pathway.Names(), ", ")}
}

// options decodes an options object (or null) into o.
func (d *decoder) options(o *options) error {
	if d.lx.null() {
		return nil
	}
	err := d.lx.object(func(key []byte) error {
		var dst *int
		var hi int
		switch string(key) {
		case "recommendations":
			dst, hi = &o.Recommendations, d.lim.candidates
		case "mastery_check_every", "served":
			// The fixed-cadence ranking these set is gone; a client still
			// sending them should learn that, not have them ignored.
			return &fieldError{field: string(key), msg: removedOptionMsg}
		case "policy":
			return d.policy(o)
		default:
			return d.lx.skip()
		}
		if d.lx.null() {
			*dst = -1
			return nil
		}
		n, err := d.lx.integer()
		if err != nil {
			return typed(err, string(key), "an integer")
		}
		if n < 0 || n > int64(hi) {
			return &fieldError{field: string(key), msg: strconv.FormatInt(n, 10) + " not in [0, " + strconv.Itoa(hi) + "]"}
		}
		*dst = int(n)
		return nil
	})
	return typed(err, "", "an options object")
}
