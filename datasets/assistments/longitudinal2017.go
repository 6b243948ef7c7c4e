package assistments

import (
	"context"
	"hash/maphash"
	"io"
	"math"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/internal/ingest"
)

// Longitudinal2017 imports the ASSISTments longitudinal data of the 2017
// data-mining competition (2004-2007), one row per logged action. It holds
// no state: one value may import many files, also concurrently.
//
// Every row becomes one attempt at its problemId; a learner's attempts are
// ordered by startTime, then action_num, then file order, and numbered from
// 0 in that order (Seq). Exact duplicate rows are dropped and counted. Rows
// are held in memory until the end of the file, about 80 bytes per row plus
// the distinct ids.
type Longitudinal2017 struct{}

// New2017 returns the importer of the ASSISTments 2017 longitudinal format.
func New2017() *Longitudinal2017 { return &Longitudinal2017{} }

// Groups returns the group columns: MiddleSchoolId and InferredGender.
func (*Longitudinal2017) Groups() []string { return []string{GroupSchool, GroupGender} }

// Flags of row2017.
const (
	flagOriginal = 1 << iota // a main problem, not a scaffolding sub-question
	flagHint                 // the action is a hint request
	flagScaffold             // the action is in (or asks for) scaffolding
	flagBottom               // the action is a bottom-out hint
)

type row2017 struct {
	ingest.Timed         // Tie: action_num, or the row's index when absent
	tookMS       float64 // action duration, NaN when unknown
	correct      float64
	user         int32
	item         int32
	skill        int32 // -1 when none
	groups       [2]int32
	hints        int32
	total        int32
	tries        int32
	flags        uint8
}

type cols2017 struct {
	user, item, skill, start, end, took, correct, original, hint, hints, total, scaffold, bottom, tries, action int
	groups                                                                                                      [2]int
}

func columns2017(name string, header []string) (cols2017, error) {
	c := ingest.NewColumns(header)
	if err := c.Require(name, "studentId", "problemId", "startTime", "correct", "original", "hintCount",
		"hintTotal", "scaffold", "bottomHint", "attemptCount"); err != nil {
		return cols2017{}, err
	}
	return cols2017{
		user: c.Index("studentId"), item: c.Index("problemId"), skill: c.Index("skill"),
		start: c.Index("startTime"), end: c.Index("endTime"), took: c.Index("timeTaken"),
		correct: c.Index("correct"), original: c.Index("original"), hint: c.Index("hint"),
		hints: c.Index("hintCount"), total: c.Index("hintTotal"), scaffold: c.Index("scaffold"),
		bottom: c.Index("bottomHint"), tries: c.Index("attemptCount"), action: c.Index("action_num"),
		groups: [2]int{c.Index("MiddleSchoolId"), c.Index("InferredGender")},
	}, nil
}

// Import reads one longitudinal CSV and emits its attempts in order of
// studentId, then time.
func (*Longitudinal2017) Import(ctx context.Context, r io.Reader, name string, emit func(*datasets.Attempt) error) (datasets.ImportSummary, error) {
	var sum datasets.ImportSummary
	rd, c, err := ingest.Open(r, name, ',', true, columns2017)
	if err != nil {
		return sum, err
	}
	var ids idTables
	var rows ingest.Rows[row2017]
	seed := maphash.MakeSeed()
	err = ingest.EachRecord(ctx, rd, &sum, func(f [][]byte) (string, error) {
		row, reason, err := parse2017(rd, f, &c, &ids)
		if err != nil || reason != "" {
			return reason, err
		}
		if c.action < 0 {
			row.Tie = sum.RowsRead
		}
		row.Hash = maphash.Bytes(seed, rd.Record())
		rows.Append(row)
		return "", nil
	})
	if err != nil {
		return sum, err
	}
	return sum, emit2017(ctx, &rows, &ids, &sum, name, emit)
}

func parse2017(rd *ingest.Reader, f [][]byte, c *cols2017, ids *idTables) (row2017, string, error) {
	p := ingest.NewFields(rd, f, true)
	r := row2017{
		user:    p.ID(&ids.users, c.user, "studentId"),
		item:    p.ID(&ids.items, c.item, "problemId"),
		skill:   p.OptID(&ids.skills, c.skill, "skill"),
		correct: p.Float(c.correct, "correct", false),
		hints:   p.Count(c.hints, "hintCount"),
		total:   p.Count(c.total, "hintTotal"),
		tries:   p.Count(c.tries, "attemptCount"),
		tookMS:  p.Float(c.took, "timeTaken", true) * 1000,
	}
	for _, fl := range []struct {
		col  int
		name string
		bit  uint8
	}{{c.original, "original", flagOriginal}, {c.hint, "hint", flagHint}, {c.scaffold, "scaffold", flagScaffold}, {c.bottom, "bottomHint", flagBottom}} {
		if p.Flag(fl.col, fl.name) {
			r.flags |= fl.bit
		}
	}
	if r.skill >= 0 && ids.skills.Name(r.skill) == "noskill" {
		r.skill = -1 // the export's marker for an untagged problem
	}
	for g, col := range c.groups {
		r.groups[g] = p.OptID(&ids.groups, col, "group")
	}
	start := p.Float(c.start, "startTime", false)
	if c.action >= 0 {
		r.Tie = p.Int64(c.action, "action_num")
	}
	if c.took < 0 && c.end >= 0 {
		r.tookMS = (p.Float(c.end, "endTime", true) - start) * 1000
	}
	if !p.OK() {
		reason, err := p.Result()
		return r, reason, err
	}
	if math.IsNaN(r.correct) {
		return r, "missing correct", nil
	}
	if math.IsNaN(start) || math.IsInf(start, 0) || math.Abs(start) > 1e11 {
		return r, "startTime not a Unix time in seconds", nil
	}
	r.StartMS = int64(math.Round(start * 1000))
	return r, "", nil
}

// emit2017 orders each learner's rows by time, then action_num, then file
// order, drops exact duplicates and emits one attempt per row.
func emit2017(ctx context.Context, rows *ingest.Rows[row2017], ids *idTables, sum *datasets.ImportSummary, name string, emit func(*datasets.Attempt) error) error {
	order, start := ingest.ByLearner(rows.Len(), func(i int) int32 { return rows.At(int32(i)).user }, ids.users.Ranks())
	out := ingest.NewEmitter(ctx, name, "seq", sum, emit)
	a := datasets.NewAttempt()
	a.Groups = make([]string, 2)
	timed := func(r *row2017) *ingest.Timed { return &r.Timed }
	return ingest.EachInTime(rows, timed, order, start, sum, func(r *row2017, seq int64) error {
		fill2017(&a, r, ids, sum)
		a.Seq = seq
		return out.Emit(&a)
	})
}

// Notes on attempts kept under a documented mapping (see docs/importers.md).
const (
	noteNoAttempt2017     = "attemptCount 0: retries set to 0"
	noteHintsOverTotal17  = "hintCount > hintTotal > 0: answer given"
	noteBottomBelowTotal  = "bottomHint 1 with hintCount < hintTotal: answer given"
	noteNegativeTimeTaken = "negative action time: response time unknown"
)

// fill2017 maps one action row onto a.
func fill2017(a *datasets.Attempt, r *row2017, ids *idTables, sum *datasets.ImportSummary) {
	a.Learner = ids.users.Name(r.user)
	a.Item = ids.items.Name(r.item)
	a.Skills = a.Skills[:0]
	if r.skill >= 0 {
		a.Skills = append(a.Skills, ids.skills.Name(r.skill))
	}
	a.Time = time.UnixMilli(r.StartMS).UTC()
	first := r.tries == 1 && r.hints == 0 && r.flags&flagHint == 0 // the learner's first, unaided response
	bottom := r.flags&flagBottom != 0
	a.AnswerGiven = bottom || (r.total > 0 && r.hints >= r.total)
	a.Supported = !a.AnswerGiven
	a.HintsUsed = r.hints
	a.HintsAvailable = r.total
	a.Retries = max(r.tries-1, 0)
	// A scaffolding sub-question is reached only after the main problem
	// was missed or help was asked for: support, so never independent.
	a.Scaffolded = r.flags&flagOriginal == 0 || r.flags&flagScaffold != 0
	a.Independent = r.correct == 1 && first && !a.Scaffolded
	a.ResponseMS = math.NaN()
	if first {
		a.ResponseMS = math.Round(r.tookMS) // the export's seconds carry float noise
	}
	a.Difficulty = math.NaN()
	for g, v := range r.groups {
		a.Groups[g] = ""
		if v >= 0 {
			a.Groups[g] = ids.groups.Name(v)
		}
	}
	if r.tries == 0 {
		sum.Note(noteNoAttempt2017)
	}
	if r.total > 0 && r.hints > r.total {
		sum.Note(noteHintsOverTotal17)
	}
	if bottom && r.hints < r.total {
		sum.Note(noteBottomBelowTotal)
	}
	if first && r.tookMS < 0 {
		a.ResponseMS = math.NaN()
		sum.Note(noteNegativeTimeTaken)
	}
}
