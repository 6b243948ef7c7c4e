package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gin-gonic/gin"

	"github.com/zpd-project/zpd/pathway"
	"github.com/zpd-project/zpd/store"
)

// The stateful routes (/v1/learners/{learner_id}/...) keep each learner's
// attempts and pathway state in a store.LearnerStore and score from them:
// a platform posts one attempt and gets the next items. The attempts are
// the source of truth; every answer is scored afresh from them by the
// model serving at that moment, so a reload never mixes two models.

// learnerStore is the server's store and whether the server opened it (and
// so closes it).
type learnerStore struct {
	store.LearnerStore
	owned bool
}

// openStore uses st, or else opens cfg.Store when set.
func (s *Server) openStore(st store.LearnerStore) error {
	switch {
	case st != nil:
		s.learners = learnerStore{LearnerStore: st}
	case s.cfg.Store != "":
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := store.Open(ctx, s.cfg.Store, store.Options{CacheBytes: s.cfg.LearnerCacheBytes})
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		s.learners = learnerStore{LearnerStore: st, owned: true}
		s.log.Info("learner store open", "store", store.Redact(s.cfg.Store), "schema_version", store.SchemaVersion())
	}
	return nil
}

// Close releases what New opened: the learner store from Config.Store.
func (s *Server) Close() error {
	if s.learners.owned {
		return s.learners.Close()
	}
	return nil
}

func (s *Server) learnerRoutes(v1 *gin.RouterGroup) {
	v1.POST("/learners/:learner_id/attempts", s.handleLearnerAttempts)
	v1.GET("/learners/:learner_id", s.handleLearnerGet)
	v1.POST("/learners/:learner_id/score", s.handleLearnerScore)
	v1.DELETE("/learners/:learner_id", s.handleLearnerDelete)
	v1.GET("/learners/:learner_id/export", s.handleLearnerExport)
}

// Stateful routes' error codes.
const (
	codeConflict         = "conflict"
	codeStoreUnavailable = "store_unavailable"
)

// maxLearnerIDBytes and maxEventIDBytes bound the ids the store keeps.
const (
	maxLearnerIDBytes = 256
	maxEventIDBytes   = 256
)

// learnerID returns the path's learner id, or answers the request with an
// error: no store, or an id the store will not keep.
func (s *Server) learnerID(c *gin.Context) (string, bool) {
	if s.learners.LearnerStore == nil {
		abortWith(c, &apiError{Status: http.StatusNotFound, Code: codeNotFound,
			Message: "no learner store: start zpd serve with --store sqlite:PATH or postgres://... for the /v1/learners routes"})
		return "", false
	}
	id := c.Param("learner_id")
	if id == "" || len(id) > maxLearnerIDBytes || !utf8.ValidString(id) {
		s.fail(c, &fieldError{field: "learner_id", msg: "want 1 to " + strconv.Itoa(maxLearnerIDBytes) + " bytes of UTF-8"})
		return "", false
	}
	return id, true
}

// handleLearnerAttempts is POST /v1/learners/{learner_id}/attempts: store
// the attempts, then answer as /v1/score would on the learner's whole
// stored history.
func (s *Server) handleLearnerAttempts(c *gin.Context) { s.scoreStored(c, true) }

// handleLearnerScore is POST /v1/learners/{learner_id}/score: /v1/score's
// candidates and options on the stored history.
func (s *Server) handleLearnerScore(c *gin.Context) { s.scoreStored(c, false) }

// handleLearnerGet is GET /v1/learners/{learner_id}: the current score,
// without candidates.
func (s *Server) handleLearnerGet(c *gin.Context) {
	id, ok := s.learnerID(c)
	if !ok {
		return
	}
	sl, err := s.learners.Learner(c.Request.Context(), id)
	if err != nil {
		s.storeFail(c, err)
		return
	}
	l := s.model.Load()
	sc := s.getScratch(false)
	defer s.putScratch(sc)
	req := sc.dec.resetRequest()
	req.Learners = append(req.Learners, learnerIn{ID: []byte(id), Options: unsetOptions()})
	w := l.getWorker()
	defer putStatefulWorker(l, w)
	sr := statefulRun{s: s, l: l, w: w, req: req, opts: req.Learners[0].Options}
	if err := sr.score(sl, 0); err != nil {
		s.fail(c, err)
		return
	}
	sc.out = append(sr.out, '\n')
	s.metrics.learners.Inc()
	writeJSON(c, http.StatusOK, sc.out)
}

// scoreStored serves the two POST routes that score from the store: with
// attempts (stored first) or without.
func (s *Server) scoreStored(c *gin.Context, withAttempts bool) {
	id, ok := s.learnerID(c)
	if !ok {
		return
	}
	l := s.model.Load()
	sc := s.getScratch(false)
	defer s.putScratch(sc)
	var err error
	if sc.body, err = readBody(c, s.cfg.MaxBodyBytes, sc.body); err != nil {
		s.fail(c, err)
		return
	}
	sc.dec.pathID = []byte(id)
	req, err := sc.dec.decodeSingle(sc.body)
	sc.dec.pathID = nil
	if err != nil {
		s.fail(c, err)
		return
	}
	lr := &req.Learners[0]
	var attempts []store.Attempt
	switch {
	case withAttempts:
		if attempts, err = storedAttempts(req); err != nil {
			s.fail(c, err)
			return
		}
	case lr.AttemptN > 0:
		s.fail(c, &fieldError{field: "attempts", msg: "not taken here: post attempts to /v1/learners/{learner_id}/attempts"})
		return
	}
	w := l.getWorker()
	defer putStatefulWorker(l, w)
	sr := statefulRun{s: s, l: l, w: w, req: req, opts: lr.Options, posted: withAttempts, out: sc.out[:0]}
	_, added, err := s.learners.Append(c.Request.Context(), id, attempts, sr.score)
	if err != nil {
		s.storeFail(c, err)
		return
	}
	sc.out = append(sr.out, '\n')
	s.metrics.learners.Inc()
	c.Header("Zpd-Attempts-Added", strconv.Itoa(added))
	writeJSON(c, http.StatusOK, sc.out)
}

// putStatefulWorker returns w to l's pool without the stored learner's
// check marks, which the stateless routes must not see.
func putStatefulWorker(l *loaded, w *worker) {
	w.checks = w.checks[:0]
	l.putWorker(w)
}

// statefulRun scores one stored learner: the store.Update of an Append,
// or a read.
type statefulRun struct {
	s    *Server
	l    *loaded
	w    *worker
	req  *request
	opts options // as the request gave them (unset: -1)
	// posted: the attempts route, whose added attempts count as served
	posted bool
	out    []byte
}

// score marks the added attempts that answer a mastery check, counts them
// as served, scores the whole stored history with the request's
// candidates and options, remembers the mastery checks it recommends, and
// appends the /v1/score answer to r.out.
func (r *statefulRun) score(sl *store.Learner, added int) error {
	if max := r.s.cfg.MaxAttempts; r.posted && added > 0 && len(sl.Attempts) > max {
		// The cap of /v1/score's histories holds for stored ones too, so
		// that every stored history can be scored as /v1/score would.
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "attempts",
			Message: fmt.Sprintf("learner %q would have %d attempts stored, over max_attempts (%d): nothing was stored; export and delete the learner to start afresh",
				sl.ID, len(sl.Attempts), max)}
	}
	st := &sl.State
	for i := len(sl.Attempts) - added; i < len(sl.Attempts); i++ {
		a := &sl.Attempts[i]
		if k := slices.Index(st.Checks, a.Item); k >= 0 {
			a.Check = true
			st.Checks = slices.Delete(slices.Clone(st.Checks), k, k+1)
		}
	}
	if r.posted {
		st.Served += int64(added)
	}
	opts := r.opts.merge(r.s.defaults)
	req, w := r.req, r.w
	// The stored history replaces the body's attempts; the candidates keep
	// their skill ids, which the history's are appended after.
	req.Attempts = req.Attempts[:0]
	w.checks = w.checks[:0]
	for i := range sl.Attempts {
		a := &sl.Attempts[i]
		start := int32(len(req.SkillIDs))
		for _, k := range a.Skills {
			req.SkillIDs = append(req.SkillIDs, stringBytes(k))
		}
		req.Attempts = append(req.Attempts, attemptIn{Item: stringBytes(a.Item), SkillStart: start, SkillEnd: int32(len(req.SkillIDs)),
			Seq: a.Seq, HasSeq: true, Independent: a.Independent, Supported: a.Supported})
		w.checks = append(w.checks, a.Check)
	}
	lr := &req.Learners[0]
	lr.AttemptStart, lr.AttemptN = 0, int32(len(sl.Attempts))
	post, uerr := w.score(r.l, req, 0, opts)
	if uerr != nil {
		return uerr.v1Field(lr)
	}
	r.s.checkFinite(&post)
	if len(w.recs) > 0 {
		var checks []string
		for _, rec := range w.recs {
			if rec.Kind == pathway.MasteryCheck {
				checks = append(checks, string(req.Candidates[lr.CandStart+int32(rec.Candidate)].Item))
			}
		}
		st.Checks = checks
	}
	r.out = w.appendResult(r.out[:0], r.l, req, 0, &post)
	return nil
}

// stringBytes views s as bytes without copying; the bytes must not be
// changed.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// storedAttempts converts the request's attempts for the store, checking
// what the store needs beyond /v1/score: an event id on each, an RFC 3339
// timestamp, counts that fit the log schema.
func storedAttempts(req *request) ([]store.Attempt, error) {
	lr := &req.Learners[0]
	if lr.AttemptN == 0 {
		return nil, &fieldError{field: "attempts", msg: "missing: post at least one attempt"}
	}
	out := make([]store.Attempt, lr.AttemptN)
	for i := range out {
		a := &req.Attempts[lr.AttemptStart+int32(i)]
		field := func(name string) string { return "attempts[" + strconv.Itoa(i) + "]." + name }
		switch {
		case len(a.EventID) == 0:
			return nil, &fieldError{field: field("event_id"), msg: "missing: each attempt needs the client's event_id (posting it again is a no-op)"}
		case len(a.EventID) > maxEventIDBytes:
			return nil, &fieldError{field: field("event_id"), msg: "longer than " + strconv.Itoa(maxEventIDBytes) + " bytes"}
		case a.HasSeq && a.Seq == store.NoSeq:
			return nil, &fieldError{field: field("seq"), msg: "number out of range"}
		}
		o := &out[i]
		*o = store.Attempt{EventID: string(a.EventID), Seq: store.NoSeq, Item: string(a.Item),
			Independent: a.Independent, Supported: a.Supported, Scaffolded: a.Scaffolded, AnswerGiven: a.AnswerGiven,
			ResponseMS: a.ResponseMS, Difficulty: a.ItemDifficulty}
		if a.HasSeq {
			o.Seq = a.Seq
		}
		for _, k := range req.SkillIDs[a.SkillStart:a.SkillEnd] {
			o.Skills = append(o.Skills, string(k))
		}
		if len(a.Timestamp) > 0 {
			t, err := time.Parse(time.RFC3339Nano, string(a.Timestamp))
			if err != nil {
				return nil, &fieldError{field: field("timestamp"), msg: "want an RFC 3339 time such as 2024-03-01T09:00:00Z"}
			}
			o.Time = t.UTC()
		}
		for _, n := range []struct {
			name   string
			v, min int64
			dst    *int32
		}{
			{"hints_used", a.HintsUsed, 0, &o.HintsUsed},
			{"hints_available", a.HintsAvailable, -1, &o.HintsAvailable},
			{"retries", a.Retries, 0, &o.Retries},
		} {
			if n.v < n.min || n.v > math.MaxInt32 {
				return nil, &fieldError{field: field(n.name), msg: strconv.FormatInt(n.v, 10) + " not in [" + strconv.FormatInt(n.min, 10) + ", 2147483647]"}
			}
			*n.dst = int32(n.v)
		}
	}
	return out, nil
}

// storeFail answers a failed store operation: 409 for a conflict with
// what is stored, 404 for a learner with nothing stored, 503 with
// Retry-After when the database is out of reach.
func (s *Server) storeFail(c *gin.Context, err error) {
	var ce *store.ConflictError
	switch {
	case c.Request.Context().Err() != nil && !errors.As(err, &ce):
		// The client went away mid-request (the transaction rolled back):
		// nobody reads an answer, and it is no fault of the server's or
		// the database's, whatever the driver calls it (on PostgreSQL a
		// cancelled query came back as "bad connection", not
		// context.Canceled).
		// 499 is nginx's code for it, for the access log.
		c.Error(err)
		c.AbortWithStatus(499)
	case errors.As(err, &ce):
		s.metrics.errors.WithLabelValues(codeConflict).Inc()
		abortWith(c, &apiError{Status: http.StatusConflict, Code: codeConflict, Message: ce.Msg,
			Field: "attempts[" + strconv.Itoa(ce.Index) + "]." + ce.Field})
	case errors.Is(err, store.ErrNotFound):
		abortWith(c, &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "nothing stored for learner " + strconv.Quote(c.Param("learner_id"))})
	case errors.Is(err, store.ErrUnavailable):
		s.metrics.errors.WithLabelValues(codeStoreUnavailable).Inc()
		s.log.Warn("learner store unavailable", "request_id", c.GetString(requestIDHeader), "error", err.Error())
		c.Header("Retry-After", "1")
		abortWith(c, &apiError{Status: http.StatusServiceUnavailable, Code: codeStoreUnavailable,
			Message: "the learner store is unavailable; nothing was scored or stored by this request: retry after 1s"})
	default:
		s.fail(c, err)
	}
}

// handleLearnerDelete is DELETE /v1/learners/{learner_id}: erase the
// learner's attempts and state (a privacy request).
func (s *Server) handleLearnerDelete(c *gin.Context) {
	id, ok := s.learnerID(c)
	if !ok {
		return
	}
	deleted, err := s.learners.Delete(c.Request.Context(), id)
	if err != nil {
		s.storeFail(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		LearnerID string `json:"learner_id"`
		Deleted   bool   `json:"deleted"`
	}{id, deleted})
}

// exportedAttempt is a stored attempt in the log schema's field names
// (serve/openapi.json, StoredAttempt).
type exportedAttempt struct {
	EventID            string            `json:"event_id"`
	Seq                int64             `json:"seq"`
	Timestamp          *time.Time        `json:"timestamp"`
	ItemID             string            `json:"item_id"`
	SkillIDs           []string          `json:"skill_ids"`
	CorrectIndependent bool              `json:"correct_independent"`
	CorrectSupported   bool              `json:"correct_supported"`
	HintsUsed          int32             `json:"hints_used"`
	HintsAvailable     *int32            `json:"hints_available"`
	Retries            int32             `json:"retries"`
	Scaffolded         bool              `json:"scaffolded"`
	AnswerGiven        bool              `json:"answer_given"`
	ResponseMS         *float64          `json:"response_ms"`
	ItemDifficulty     *float64          `json:"item_difficulty"`
	Groups             map[string]string `json:"groups"`
	MasteryCheck       bool              `json:"mastery_check"`
}

// handleLearnerExport is GET /v1/learners/{learner_id}/export: everything
// stored about the learner.
func (s *Server) handleLearnerExport(c *gin.Context) {
	id, ok := s.learnerID(c)
	if !ok {
		return
	}
	sl, err := s.learners.Learner(c.Request.Context(), id)
	if err != nil {
		s.storeFail(c, err)
		return
	}
	type state struct {
		Served int64    `json:"served"`
		Checks []string `json:"pending_mastery_checks"`
	}
	out := struct {
		LearnerID string            `json:"learner_id"`
		State     state             `json:"state"`
		Attempts  []exportedAttempt `json:"attempts"`
	}{LearnerID: sl.ID, State: state{Served: sl.State.Served, Checks: sl.State.Checks}, Attempts: make([]exportedAttempt, len(sl.Attempts))}
	if out.State.Checks == nil {
		out.State.Checks = []string{}
	}
	for i := range sl.Attempts {
		a := &sl.Attempts[i]
		e := exportedAttempt{EventID: a.EventID, Seq: a.Seq, ItemID: a.Item, SkillIDs: a.Skills,
			CorrectIndependent: a.Independent, CorrectSupported: a.Supported, HintsUsed: a.HintsUsed,
			Retries: a.Retries, Scaffolded: a.Scaffolded, AnswerGiven: a.AnswerGiven, Groups: a.Groups, MasteryCheck: a.Check}
		if e.SkillIDs == nil {
			e.SkillIDs = []string{}
		}
		if e.Groups == nil {
			e.Groups = map[string]string{}
		}
		if !a.Time.IsZero() {
			e.Timestamp = &a.Time
		}
		if a.HintsAvailable >= 0 {
			e.HintsAvailable = &a.HintsAvailable
		}
		if !math.IsNaN(a.ResponseMS) {
			e.ResponseMS = &a.ResponseMS
		}
		if !math.IsNaN(a.Difficulty) {
			e.ItemDifficulty = &a.Difficulty
		}
		out.Attempts[i] = e
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, append(b, '\n'))
}
