package serve

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// score scores learner li of req: it builds the learner's history, computes
// the posterior, the readiness for every candidate (w.readiness, w.sources)
// and the recommendations of policy opts.Policy (w.recs). The only error is
// a candidate the model cannot place.
func (w *worker) score(l *loaded, req *request, li int, opts options) (elasticity.Posterior, *unplacedError) {
	lr := &req.Learners[li]
	m := l.model
	h := &w.history
	h.Reset()
	w.unknown = w.unknown[:0]
	ix := m.Index()
	for i := lr.AttemptStart; i < lr.AttemptStart+lr.AttemptN; i++ {
		a := &req.Attempts[i]
		features.AddAttempt(h, ix, a.Item, req.SkillIDs[a.SkillStart:a.SkillEnd], features.OutcomeOf(a.Independent, a.Supported))
		if a.HintsUsed > 0 {
			h.MarkHinted()
		}
		if h.Steps[h.Len()-1].Item == features.NoItem {
			w.unknown = append(w.unknown, a.Item)
		}
	}
	post := w.scorer.Score(h)
	w.readiness, w.sources = w.readiness[:0], w.sources[:0]
	for i := lr.CandStart; i < lr.CandStart+lr.CandN; i++ {
		c := &req.Candidates[i]
		w.skills = features.AppendSkills(w.skills[:0], ix, req.SkillIDs[c.SkillStart:c.SkillEnd])
		item := features.ItemOf(ix, c.Item)
		src, ok := features.Place(item, c.HasDifficulty, w.skills)
		if !ok {
			return post, &unplacedError{candidate: int(i)}
		}
		var r elasticity.Readiness
		if src == features.FromDifficulty {
			r = post.ReadinessAt(c.Difficulty, m.ZoneRule())
		} else {
			r = w.scorer.Readiness(item, w.skills)
		}
		w.readiness = append(w.readiness, r)
		w.sources = append(w.sources, src)
	}
	w.recs = w.recs[:0]
	if opts.Recommendations > 0 && lr.CandN > 0 {
		w.recommend(l, req, li, opts.Policy, post, opts.Recommendations)
	}
	return post, nil
}

// recommend fills w.recs from policy l.policies[policy] for learner li,
// whose history (w.history), posterior and candidates' readiness w.score
// computed.
func (w *worker) recommend(l *loaded, req *request, li int, policy int, post elasticity.Posterior, count int) {
	lr := &req.Learners[li]
	m := l.model
	ix := m.Index()
	// Skills first, into one buffer, then the candidates slicing it.
	w.candSkills = w.candSkills[:0]
	w.candSkillEnd = w.candSkillEnd[:0]
	for i := lr.CandStart; i < lr.CandStart+lr.CandN; i++ {
		c := &req.Candidates[i]
		w.candSkills = features.AppendSkills(w.candSkills, ix, req.SkillIDs[c.SkillStart:c.SkillEnd])
		w.candSkillEnd = append(w.candSkillEnd, len(w.candSkills))
	}
	w.cands = w.cands[:0]
	at := 0
	for k, i := 0, lr.CandStart; i < lr.CandStart+lr.CandN; k, i = k+1, i+1 {
		c := &req.Candidates[i]
		start, end := at, w.candSkillEnd[k]
		at = end
		skills := w.candSkills[start:end:end]
		var cand pathway.Candidate
		switch w.sources[k] {
		case features.FromModel:
			cand = pathway.Place(m, features.ItemOf(ix, c.Item), skills)
		case features.FromDifficulty:
			cand = pathway.Candidate{Item: elasticity.NoItem, Skills: skills, Difficulty: c.Difficulty}
		default:
			cand = pathway.Place(m, elasticity.NoItem, skills)
		}
		cand.Readiness = w.readiness[k]
		w.cands = append(w.cands, cand)
	}
	learner := w.learners[policy]
	if learner == nil {
		learner = l.policies[policy].NewLearner(m)
		w.learners[policy] = learner
	}
	pathway.ReplayInto(learner, m, &w.history, w.checks, &w.obs)
	w.view = pathway.View{Model: m, Posterior: post, Candidates: w.cands, Count: count,
		Seed: pathway.SeedFor(string(lr.ID), w.history.Len())}
	w.recs = learner.Next(w.recs[:0], &w.view)
}

// unplacedError is a candidate item the model does not know, sent without
// a difficulty or a known skill; candidate indexes req.Candidates.
type unplacedError struct{ candidate int }

const unplacedMsg = "item unknown to the model: give its difficulty or known skill_ids"

func (e *unplacedError) Error() string { return unplacedMsg }

// v1Field names the candidate in a /v1 request.
func (e *unplacedError) v1Field(lr *learnerIn) error {
	return &fieldError{field: "candidates[" + strconv.Itoa(e.candidate-int(lr.CandStart)) + "].item_id", msg: unplacedMsg}
}

// appendResult appends the /v1/score response for the learner w just
// scored. Field names are those of serve/openapi.json (ScoreResponse).
func (w *worker) appendResult(b []byte, l *loaded, req *request, li int, post *elasticity.Posterior) []byte {
	lr := &req.Learners[li]
	b = append(b, `{"learner_id":`...)
	b = appendBytes(b, lr.ID)
	b = append(b, `,"model_version":`...)
	b = appendString(b, l.meta.ModelVersion)
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(post.Attempts), 10)
	// Attempts at items the model does not know move only the skills'
	// estimates; a client sending ids from another catalogue sees it here.
	b = append(b, `,"unknown_attempts":`...)
	b = strconv.AppendInt(b, int64(len(w.unknown)), 10)
	b = append(b, `,"unknown_items":`...)
	b = strconv.AppendInt(b, int64(distinct(w.unknown)), 10)
	b = appendEstimate(b, `,"ability":`, post.Ability)
	b = appendEstimate(b, `,"elasticity":`, post.Elasticity)
	b = append(b, `,"cov":[[`...)
	b = appendFloat(b, post.Cov[0][0])
	b = append(b, ',')
	b = appendFloat(b, post.Cov[0][1])
	b = append(b, `],[`...)
	b = appendFloat(b, post.Cov[1][0])
	b = append(b, ',')
	b = appendFloat(b, post.Cov[1][1])
	b = append(b, `]]`...)
	b = appendEstimate(b, `,"zad_edge":`, post.ZADEdge)
	b = appendEstimate(b, `,"point_of_difficulty":`, post.PointOfDifficulty)
	if post.SupportHelps() {
		b = append(b, `,"zpd":{"low":`...)
		b = appendFloat(b, post.ZPD.Low)
		b = append(b, `,"high":`...)
		b = appendFloat(b, post.ZPD.High)
		b = append(b, '}')
	} else {
		b = append(b, `,"zpd":null`...)
	}
	b = appendEstimate(b, `,"zpd_width":`, post.ZPDWidth)
	b = append(b, `,"p_support_helps":`...)
	b = appendFloat(b, post.PSupportHelps)
	if post.FeedbackStage() {
		b = appendEstimate(b, `,"stages":{"feedback":`, post.Stages.Feedback)
		b = appendEstimate(b, `,"hints":`, post.Stages.Hints)
		b = append(b, '}')
	}
	b = append(b, `,"readiness":[`...)
	for i := range w.readiness {
		if i > 0 {
			b = append(b, ',')
		}
		r := &w.readiness[i]
		b = append(b, `{"item_id":`...)
		b = appendBytes(b, req.Candidates[lr.CandStart+int32(i)].Item)
		b = append(b, `,"source":"`...)
		b = append(b, w.sources[i].String()...)
		b = append(b, `","difficulty":`...)
		b = appendFloat(b, r.Difficulty)
		b = append(b, `,"p_independent":`...)
		b = appendFloat(b, r.Independent.Value)
		b = append(b, `,"p_independent_sd":`...)
		b = appendFloat(b, r.Independent.SD)
		b = append(b, `,"p_supported":`...)
		b = appendFloat(b, r.Supported.Value)
		b = append(b, `,"p_supported_sd":`...)
		b = appendFloat(b, r.Supported.SD)
		b = append(b, `,"p_mastered":`...)
		b = appendFloat(b, r.PMastered)
		b = append(b, `,"p_reach":`...)
		b = appendFloat(b, r.PReach)
		b = append(b, `,"zone":"`...)
		b = append(b, r.Zone.String()...)
		b = append(b, `"}`...)
	}
	b = append(b, `],"recommendations":[`...)
	for i, rec := range w.recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"position":`...)
		b = strconv.AppendInt(b, int64(rec.Position), 10)
		b = append(b, `,"item_id":`...)
		b = appendBytes(b, req.Candidates[lr.CandStart+int32(rec.Candidate)].Item)
		b = append(b, `,"kind":"`...)
		b = append(b, rec.Kind.String()...)
		b = append(b, `","reason":`...)
		b = appendString(b, rec.Reason)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// distinct sorts ids and returns how many differ.
func distinct(ids [][]byte) int {
	slices.SortFunc(ids, bytes.Compare)
	n := 0
	for i := range ids {
		if i == 0 || !bytes.Equal(ids[i], ids[i-1]) {
			n++
		}
	}
	return n
}

func appendEstimate(b []byte, key string, e elasticity.Estimate) []byte {
	b = append(b, key...)
	b = append(b, `{"value":`...)
	b = appendFloat(b, e.Value)
	b = append(b, `,"sd":`...)
	b = appendFloat(b, e.SD)
	return append(b, '}')
}
