package serve

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/zpd-project/zpd/models/elasticity"
)

// The KServe Open Inference Protocol v2 (REST) on the served model. A
// request carries a ragged batch of learners as flat tensors; docs/serve.md
// documents them:
//
//	inputs
//	  item_id              BYTES [N]  items of all attempts, learner by learner, oldest first
//	  correct_independent  BOOL  [N]  right first time alone
//	  correct_supported    BOOL  [N]  right in the end with support
//	  attempt_count        INT*  [B]  attempts per learner (omitted: one learner, all N)
//	  candidate_item_id    BYTES [M]  candidate items (optional), learner by learner
//	  candidate_count      INT*  [B]  candidates per learner (omitted: B = 1, all M)
//	outputs, FP64 [B]: ability, ability_sd, elasticity, elasticity_sd,
//	  zad_edge, zad_edge_sd, point_of_difficulty, point_of_difficulty_sd,
//	  zpd_low, zpd_high, zpd_width, p_support_helps (the band is
//	  meaningful only when p_support_helps > 0.5: a tensor cannot hold null)
//	outputs, [M]: candidate_difficulty, candidate_p_independent,
//	  candidate_p_supported (FP64), candidate_zone (BYTES)

// Tensor names.
const (
	inItem        = "item_id"
	inIndependent = "correct_independent"
	inSupported   = "correct_supported"
	inAttemptN    = "attempt_count"
	inCandItem    = "candidate_item_id"
	inCandN       = "candidate_count"
)

// v2Output is one output tensor: its name, datatype, and how to read it
// from a learner's posterior (per learner) or readiness (per candidate).
type v2Output struct {
	name      string
	datatype  string
	learner   func(*elasticity.Posterior) float64
	candidate func(*elasticity.Readiness) float64
	zone      bool
}

var v2Outputs = [...]v2Output{
	{name: "ability", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.Ability.Value }},
	{name: "ability_sd", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.Ability.SD }},
	{name: "elasticity", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.Elasticity.Value }},
	{name: "elasticity_sd", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.Elasticity.SD }},
	{name: "zad_edge", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.ZADEdge.Value }},
	{name: "zad_edge_sd", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.ZADEdge.SD }},
	{name: "point_of_difficulty", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.PointOfDifficulty.Value }},
	{name: "point_of_difficulty_sd", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.PointOfDifficulty.SD }},
	{name: "zpd_low", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.ZPD.Low }},
	{name: "zpd_high", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.ZPD.High }},
	{name: "zpd_width", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.ZPDWidth.Value }},
	{name: "p_support_helps", datatype: "FP64", learner: func(p *elasticity.Posterior) float64 { return p.PSupportHelps }},
	{name: "candidate_difficulty", datatype: "FP64", candidate: func(r *elasticity.Readiness) float64 { return r.Difficulty }},
	{name: "candidate_p_independent", datatype: "FP64", candidate: func(r *elasticity.Readiness) float64 { return r.Independent.Value }},
	{name: "candidate_p_supported", datatype: "FP64", candidate: func(r *elasticity.Readiness) float64 { return r.Supported.Value }},
	{name: "candidate_zone", datatype: "BYTES", zone: true},
}

// v2Inputs lists the input tensors and their datatypes for the metadata.
var v2Inputs = [...]struct{ name, datatype string }{
	{inItem, "BYTES"}, {inIndependent, "BOOL"}, {inSupported, "BOOL"},
	{inAttemptN, "INT64"}, {inCandItem, "BYTES"}, {inCandN, "INT64"},
}

func v2Error(c *gin.Context, status int, code, msg, field string) {
	abortWith(c, &apiError{Status: status, Code: code, Message: msg, Field: field, v2: true})
}

// checkName answers 404 unless the path names the served model.
func (s *Server) checkName(c *gin.Context) bool {
	if name := c.Param("name"); name != s.cfg.Name {
		v2Error(c, http.StatusNotFound, codeNotFound, "unknown model "+strconv.Quote(name)+"; this server serves "+strconv.Quote(s.cfg.Name), "name")
		return false
	}
	return true
}

// handleV2Server is GET /v2: server metadata.
func (s *Server) handleV2Server(c *gin.Context) {
	b := append([]byte(`{"name":"zpd","version":`), appendString(nil, s.build)...)
	writeJSON(c, http.StatusOK, append(b, `,"extensions":[]}`+"\n"...))
}

// handleV2ModelReady is GET /v2/models/{name}/ready.
func (s *Server) handleV2ModelReady(c *gin.Context) {
	if !s.checkName(c) {
		return
	}
	s.handleReady(c)
}

// handleV2Model is GET /v2/models/{name}: model metadata with the tensors.
func (s *Server) handleV2Model(c *gin.Context) {
	if !s.checkName(c) {
		return
	}
	l := s.model.Load()
	b := append([]byte(`{"name":`), appendString(nil, s.cfg.Name)...)
	b = append(b, `,"versions":[`...)
	b = appendString(b, l.meta.ModelVersion)
	b = append(b, `],"platform":"zpd-elasticity","inputs":[`...)
	for i, in := range v2Inputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`+in.name+`","datatype":"`+in.datatype+`","shape":[-1]}`...)
	}
	b = append(b, `],"outputs":[`...)
	for i, out := range v2Outputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`+out.name+`","datatype":"`+out.datatype+`","shape":[-1]}`...)
	}
	writeJSON(c, http.StatusOK, append(b, "]}\n"...))
}

// v2Request is a decoded inference request.
type v2Request struct {
	id      []byte
	hasID   bool
	outputs [len(v2Outputs)]bool // requested outputs; all when none named
	named   bool
	// tensors by name
	items, candItems       [][]byte
	independent, supported []bool
	attemptN, candN        []int64
	seen                   map[string]bool
}

// handleV2Infer is POST /v2/models/{name}/infer.
func (s *Server) handleV2Infer(c *gin.Context) {
	if !s.checkName(c) {
		return
	}
	l := s.model.Load()
	sc := s.getScratch(true)
	defer s.putScratch(sc)
	var err error
	if sc.body, err = readBody(c, s.cfg.MaxBatchBodyBytes, sc.body); err != nil {
		s.failV2(c, err)
		return
	}
	var in v2Request
	if err := sc.dec.decodeV2(sc.body, &in); err != nil {
		s.failV2(c, err)
		return
	}
	req, err := sc.dec.v2Learners(&in)
	if err != nil {
		s.failV2(c, err)
		return
	}
	w := l.getWorker()
	defer l.putWorker(w)
	n := len(req.Learners)
	posts := make([]elasticity.Posterior, n)
	ready := make([]elasticity.Readiness, 0, len(req.Candidates))
	noRecs := options{}
	for i := range n {
		var uerr *unplacedError
		if posts[i], uerr = w.score(l, req, i, noRecs); uerr != nil {
			s.failV2(c, v2Field(uerr))
			return
		}
		s.checkFinite(&posts[i])
		ready = append(ready, w.readiness...)
	}
	s.metrics.learners.Add(float64(n))
	sc.out = appendV2Response(sc.out[:0], s.cfg.Name, l.meta.ModelVersion, &in, posts, ready)
	writeJSON(c, http.StatusOK, sc.out)
}

// v2Field names the unplaced candidate by its flat index in the
// candidate_item_id tensor.
func v2Field(e *unplacedError) error {
	return &fieldError{field: inCandItem + "[" + strconv.Itoa(e.candidate) + "]", msg: unplacedMsg}
}

func (s *Server) failV2(c *gin.Context, err error) {
	e := *asAPIError(err)
	e.v2 = true
	s.fail(c, &e)
}

func appendV2Response(b []byte, name, version string, in *v2Request, posts []elasticity.Posterior, ready []elasticity.Readiness) []byte {
	b = append(b, `{"model_name":`...)
	b = appendString(b, name)
	b = append(b, `,"model_version":`...)
	b = appendString(b, version)
	if in.hasID {
		b = append(b, `,"id":`...)
		b = appendBytes(b, in.id)
	}
	b = append(b, `,"outputs":[`...)
	first := true
	for k := range v2Outputs {
		o := &v2Outputs[k]
		if !in.outputs[k] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		n := len(posts)
		if o.learner == nil {
			n = len(ready)
		}
		b = append(b, `{"name":"`+o.name+`","datatype":"`+o.datatype+`","shape":[`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `],"data":[`...)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			switch {
			case o.learner != nil:
				b = appendFloat(b, o.learner(&posts[i]))
			case o.zone:
				b = append(b, '"')
				b = append(b, ready[i].Zone.String()...)
				b = append(b, '"')
			default:
				b = appendFloat(b, o.candidate(&ready[i]))
			}
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}\n"...)
}

// decodeV2 decodes an inference request's JSON into in.
func (d *decoder) decodeV2(body []byte, in *v2Request) error {
	d.lx.reset(body)
	in.seen = map[string]bool{}
	seenInputs := false
	err := d.lx.object(func(key []byte) error {
		switch string(key) {
		case "id":
			id, err := d.lx.str()
			in.id, in.hasID = id, err == nil
			return typed(err, "id", "a string")
		case "inputs":
			seenInputs = true
			err := d.lx.array(func(i int) error { return within(d.v2Input(in), "inputs", i) })
			return typed(err, "inputs", "an array of tensors")
		case "outputs":
			err := d.lx.array(func(i int) error { return within(d.v2RequestedOutput(in), "outputs", i) })
			return typed(err, "outputs", "an array of requested outputs")
		}
		return d.lx.skip()
	})
	if err = typed(err, "", "an inference request object"); err != nil {
		return err
	}
	if err := d.lx.end(); err != nil {
		return err
	}
	if !seenInputs {
		return &fieldError{field: "inputs", msg: "missing"}
	}
	if !in.named {
		for k := range in.outputs {
			in.outputs[k] = true
		}
	}
	return nil
}

func (d *decoder) v2RequestedOutput(in *v2Request) error {
	var name []byte
	err := d.lx.object(func(key []byte) error {
		if string(key) == "name" {
			s, err := d.lx.str()
			name = s
			return typed(err, "name", "a string")
		}
		return d.lx.skip()
	})
	if err = typed(err, "", "an object with a name"); err != nil {
		return err
	}
	for k := range v2Outputs {
		if v2Outputs[k].name == string(name) {
			in.outputs[k], in.named = true, true
			return nil
		}
	}
	return &fieldError{field: "name", msg: "unknown output " + strconv.Quote(string(name))}
}

// v2Input decodes one input tensor. The data may be flat or nested
// (row-major); the element count must match the shape.
func (d *decoder) v2Input(in *v2Request) error {
	var name, datatype []byte
	var shape []int64
	dataStart, dataEnd := -1, -1
	err := d.lx.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			name, err = d.lx.str()
			return typed(err, "name", "a string")
		case "datatype":
			datatype, err = d.lx.str()
			return typed(err, "datatype", "a string")
		case "shape":
			shape = shape[:0]
			err = d.lx.array(func(i int) error {
				n, err := d.lx.integer()
				if err == nil && (n < 0 || n > 1<<31) {
					err = errRange
				}
				shape = append(shape, n)
				return typed(err, "shape["+strconv.Itoa(i)+"]", "a non-negative integer")
			})
			return typed(err, "shape", "an array of integers")
		case "data":
			d.lx.ws()
			dataStart = d.lx.pos
			if err := d.lx.skip(); err != nil {
				return err
			}
			dataEnd = d.lx.pos
			return nil
		}
		return d.lx.skip()
	})
	if err = typed(err, "", "a tensor object"); err != nil {
		return err
	}
	switch {
	case name == nil:
		return &fieldError{field: "name", msg: "missing"}
	case datatype == nil:
		return &fieldError{field: "datatype", msg: "missing"}
	case shape == nil:
		return &fieldError{field: "shape", msg: "missing"}
	case dataStart < 0:
		return &fieldError{field: "data", msg: "missing"}
	}
	if in.seen[string(name)] {
		return &fieldError{field: "name", msg: "input " + strconv.Quote(string(name)) + " given twice"}
	}
	in.seen[string(name)] = true
	count := int64(1)
	for _, n := range shape {
		count *= n
		if count > 1<<31 {
			return &fieldError{field: "shape", msg: "too many elements"}
		}
	}
	want := ""
	var n int
	// Decode the data with a sub-lexer over its bytes (already checked).
	sub := lexer{data: d.lx.data[dataStart:dataEnd], arena: d.lx.arena}
	defer func() { d.lx.arena = sub.arena }()
	switch string(name) {
	case inItem, inCandItem:
		want = "BYTES"
		var dst *[][]byte = &in.items
		if string(name) == inCandItem {
			dst = &in.candItems
		}
		n, err = flatten(&sub, func() error {
			s, err := sub.str()
			*dst = append(*dst, s)
			return typed(err, "data", "strings")
		})
	case inIndependent, inSupported:
		want = "BOOL"
		dst := &in.independent
		if string(name) == inSupported {
			dst = &in.supported
		}
		n, err = flatten(&sub, func() error {
			b, err := sub.boolean()
			*dst = append(*dst, b)
			return typed(err, "data", "booleans")
		})
	case inAttemptN, inCandN:
		want = "INT"
		dst := &in.attemptN
		if string(name) == inCandN {
			dst = &in.candN
		}
		n, err = flatten(&sub, func() error {
			v, err := sub.integer()
			if err == nil && v < 0 {
				err = errRange
			}
			*dst = append(*dst, v)
			return typed(err, "data", "non-negative integers")
		})
	default:
		return &fieldError{field: "name", msg: "unknown input " + strconv.Quote(string(name)) + " (see GET /v2/models/{name})"}
	}
	if err != nil {
		return err
	}
	dt := string(datatype)
	if want == "INT" {
		switch dt {
		case "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64":
			dt = want
		}
	}
	if dt != want {
		return &fieldError{field: "datatype", msg: string(name) + " must be " + want + ", got " + strconv.Quote(string(datatype))}
	}
	if int64(n) != count {
		return &fieldError{field: "shape", msg: "shape holds " + strconv.FormatInt(count, 10) + " elements, data " + strconv.Itoa(n)}
	}
	return nil
}

// flatten calls scalar for every scalar of a possibly nested array and
// returns how many there were.
func flatten(lx *lexer, scalar func() error) (int, error) {
	n := 0
	var walk func() error
	walk = func() error {
		if lx.ws() == '[' {
			return lx.array(func(int) error { return walk() })
		}
		n++
		return scalar()
	}
	if err := walk(); err != nil {
		return n, err
	}
	return n, lx.end()
}

// v2Learners checks the tensors' lengths against each other and turns them
// into a request.
func (d *decoder) v2Learners(in *v2Request) (*request, error) {
	r := d.resetRequest()
	for _, name := range []string{inItem, inIndependent, inSupported} {
		if !in.seen[name] {
			return nil, &fieldError{field: "inputs", msg: "missing input " + strconv.Quote(name)}
		}
	}
	nAtt := len(in.items)
	if len(in.independent) != nAtt || len(in.supported) != nAtt {
		return nil, &fieldError{field: "inputs", msg: "item_id, correct_independent and correct_supported must have the same length"}
	}
	counts := in.attemptN
	if !in.seen[inAttemptN] {
		counts = []int64{int64(nAtt)}
	}
	nLearners := len(counts)
	if nLearners > d.lim.learners {
		return nil, &fieldError{field: inAttemptN, msg: "more than max_batch_learners (" + strconv.Itoa(d.lim.learners) + ") learners"}
	}
	cand := in.candN
	if !in.seen[inCandN] {
		if nLearners > 1 && len(in.candItems) > 0 {
			return nil, &fieldError{field: inCandN, msg: "required with candidates for more than one learner"}
		}
		cand = make([]int64, nLearners)
		if nLearners > 0 {
			cand[0] = int64(len(in.candItems))
		}
	}
	if len(cand) != nLearners {
		return nil, &fieldError{field: inCandN, msg: "must have one element per learner, like attempt_count"}
	}
	var sumA, sumC int64
	for i := range nLearners {
		if counts[i] > int64(d.lim.attempts) {
			return nil, &fieldError{field: inAttemptN + "[" + strconv.Itoa(i) + "]", msg: "more than max_attempts (" + strconv.Itoa(d.lim.attempts) + ")"}
		}
		if cand[i] > int64(d.lim.candidates) {
			return nil, &fieldError{field: inCandN + "[" + strconv.Itoa(i) + "]", msg: "more than max_candidates (" + strconv.Itoa(d.lim.candidates) + ")"}
		}
		r.Learners = append(r.Learners, learnerIn{
			AttemptStart: int32(sumA), AttemptN: int32(counts[i]),
			CandStart: int32(sumC), CandN: int32(cand[i]), Options: options{},
		})
		sumA += counts[i]
		sumC += cand[i]
	}
	if sumA != int64(nAtt) {
		return nil, &fieldError{field: inAttemptN, msg: "sums to " + strconv.FormatInt(sumA, 10) + ", item_id has " + strconv.Itoa(nAtt)}
	}
	if sumC != int64(len(in.candItems)) {
		return nil, &fieldError{field: inCandN, msg: "sums to " + strconv.FormatInt(sumC, 10) + ", candidate_item_id has " + strconv.Itoa(len(in.candItems))}
	}
	for i := range nAtt {
		r.Attempts = append(r.Attempts, attemptIn{Item: in.items[i], Independent: in.independent[i], Supported: in.supported[i]})
	}
	for _, item := range in.candItems {
		r.Candidates = append(r.Candidates, candidateIn{Item: item})
	}
	return r, nil
}
