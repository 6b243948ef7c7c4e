package assistments

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/internal/ingest"
)

// Group columns of the 2009 export, in Attempt.Groups order.
const (
	GroupSchool  = datasets.GroupPrefix + "school"
	GroupTeacher = datasets.GroupPrefix + "teacher"
	GroupClass   = datasets.GroupPrefix + "class"
	GroupGender  = datasets.GroupPrefix + "gender"
)

// SkillBuilder2009 imports the ASSISTments 2009-2010 skill-builder CSV. It
// holds no state: one value may import many files, also concurrently.
//
// Rows sharing (user_id, order_id) become one attempt whose skills are the
// sorted set of the rows' skill_id (or, without that column, skill_name)
// values and whose other fields come from the first row in file order. Rows
// are held in memory until the end of the file, about 80 bytes per row plus
// the distinct ids, because collapsing and ordering need the whole file.
type SkillBuilder2009 struct{}

// New2009 returns the importer of the ASSISTments 2009 skill-builder format.
func New2009() *SkillBuilder2009 { return &SkillBuilder2009{} }

// Groups returns the group columns: school_id, teacher_id and
// student_class_id of the full export ("" when the file lacks them).
func (*SkillBuilder2009) Groups() []string { return []string{GroupSchool, GroupTeacher, GroupClass} }

// row2009 is one parsed CSV row; ids are interned. It takes 56 bytes; the
// group ids of a file with group columns take 12 more, kept apart so that
// files without them do not pay for them.
type row2009 struct {
	order   int64
	ms      float64
	correct float64
	hash    uint32 // of the raw record, to count exact duplicates
	user    int32
	item    int32
	skill   int32 // -1 when missing
	tries   int32 // attempt_count
	hints   int32 // hint_count
	total   int32 // hint_total
}

// groups2009 holds a row's group ids, -1 when missing.
type groups2009 [3]int32

// cols2009 holds field indexes; optional columns are -1 when absent.
type cols2009 struct {
	user, order, item, skill, correct, ms, tries, hints, total int
	skillName                                                  string
	groups                                                     [3]int
	hasGroups                                                  bool
}

func columns2009(name string, header []string) (cols2009, error) {
	c := ingest.NewColumns(header)
	if err := c.Require(name, "user_id", "order_id", "problem_id", "correct", "attempt_count", "hint_count", "hint_total"); err != nil {
		return cols2009{}, err
	}
	k := cols2009{
		user: c.Index("user_id"), order: c.Index("order_id"), item: c.Index("problem_id"),
		correct: c.Index("correct"), ms: c.Index("ms_first_response"), tries: c.Index("attempt_count"),
		hints: c.Index("hint_count"), total: c.Index("hint_total"),
		groups: [3]int{c.Index("school_id"), c.Index("teacher_id"), c.Index("student_class_id")},
	}
	k.hasGroups = k.groups != [3]int{-1, -1, -1}
	switch {
	case c.Index("skill_id") >= 0:
		k.skill, k.skillName = c.Index("skill_id"), "skill_id"
	case c.Index("skill_name") >= 0:
		k.skill, k.skillName = c.Index("skill_name"), "skill_name"
	default:
		return cols2009{}, fmt.Errorf("%s: missing required column \"skill_id\" or \"skill_name\"", name)
	}
	return k, nil
}

// idTables interns the ids of one import.
type idTables struct {
	users, items, skills, groups ingest.Symbols
}

// Import reads one skill-builder CSV and emits its attempts in order of
// user id, then order_id.
func (*SkillBuilder2009) Import(ctx context.Context, r io.Reader, name string, emit func(*datasets.Attempt) error) (datasets.ImportSummary, error) {
	var sum datasets.ImportSummary
	rd, c, err := ingest.Open(r, name, ',', true, columns2009)
	if err != nil {
		return sum, err
	}
	var ids idTables
	var rows ingest.Rows[row2009]
	var groups ingest.Rows[groups2009] // empty without group columns
	seed := maphash.MakeSeed()
	err = ingest.EachRecord(ctx, rd, &sum, func(f [][]byte) (string, error) {
		row, g, reason, err := parse2009(rd, f, &c, &ids)
		if err != nil || reason != "" {
			return reason, err
		}
		row.hash = uint32(maphash.Bytes(seed, rd.Record()))
		rows.Append(row)
		if c.hasGroups {
			groups.Append(g)
		}
		return "", nil
	})
	if err != nil {
		return sum, err
	}
	return sum, emit2009(ctx, &rows, &groups, &ids, &sum, name, emit)
}

func parse2009(rd *ingest.Reader, f [][]byte, c *cols2009, ids *idTables) (row2009, groups2009, string, error) {
	p := ingest.NewFields(rd, f, true)
	r := row2009{
		user:    p.ID(&ids.users, c.user, "user_id"),
		order:   p.Int64(c.order, "order_id"),
		item:    p.ID(&ids.items, c.item, "problem_id"),
		skill:   p.OptID(&ids.skills, c.skill, c.skillName),
		correct: p.Float(c.correct, "correct", false),
		ms:      p.Float(c.ms, "ms_first_response", true),
		tries:   p.Count(c.tries, "attempt_count"),
		hints:   p.Count(c.hints, "hint_count"),
		total:   p.Count(c.total, "hint_total"),
	}
	var g groups2009
	if c.hasGroups {
		for i, col := range c.groups {
			g[i] = p.OptID(&ids.groups, col, "group")
		}
	}
	if p.OK() && math.IsNaN(r.correct) {
		p.Reject("missing correct")
	}
	reason, err := p.Result()
	return r, g, reason, err
}

// emit2009 groups rows by learner, orders each learner's rows by order_id
// (stable, so file order breaks ties) and emits one attempt per order_id.
func emit2009(ctx context.Context, rows *ingest.Rows[row2009], groups *ingest.Rows[groups2009], ids *idTables, sum *datasets.ImportSummary, name string, emit func(*datasets.Attempt) error) error {
	order, start := ingest.ByLearner(rows.Len(), func(i int) int32 { return rows.At(int32(i)).user }, ids.users.Ranks())
	skillRank := ids.skills.Ranks()
	out := ingest.NewEmitter(ctx, name, "order_id", sum, emit)
	a := datasets.NewAttempt()
	a.Groups = make([]string, 3)
	var skills []int32
	for k := range len(start) - 1 {
		learner := order[start[k]:start[k+1]]
		byOrder := func(x, y int32) int {
			if c := cmp.Compare(rows.At(x).order, rows.At(y).order); c != 0 {
				return c
			}
			return cmp.Compare(x, y) // file order; faster than a stable sort
		}
		if !slices.IsSortedFunc(learner, byOrder) {
			slices.SortFunc(learner, byOrder)
		}
		for lo := 0; lo < len(learner); {
			hi := lo + 1
			for hi < len(learner) && rows.At(learner[hi]).order == rows.At(learner[lo]).order {
				hi++
			}
			var ms float64
			skills, ms = collapse2009(rows, learner[lo:hi], skills[:0], sum)
			fill2009(&a, rows.At(learner[lo]), ms, ids, sum)
			for g := range a.Groups {
				a.Groups[g] = ""
				if groups.Len() > 0 {
					if v := groups.At(learner[lo])[g]; v >= 0 {
						a.Groups[g] = ids.groups.Name(v)
					}
				}
			}
			a.Skills = skillNames(a.Skills[:0], skills, skillRank, &ids.skills)
			if err := out.Emit(&a); err != nil {
				return err
			}
			lo = hi
		}
	}
	return nil
}

// collapse2009 counts what merging the rows of one attempt hides and returns
// their skills appended to skills, and the first known ms_first_response
// (pandas' groupby first() skips missing values, so the reference does too).
func collapse2009(rows *ingest.Rows[row2009], group []int32, skills []int32, sum *datasets.ImportSummary) ([]int32, float64) {
	first := rows.At(group[0])
	inconsistent := false
	ms := math.NaN()
	for j, i := range group {
		r := rows.At(i)
		if r.skill >= 0 {
			skills = append(skills, r.skill)
		}
		if math.IsNaN(ms) {
			ms = r.ms
		}
		if j == 0 {
			continue
		}
		sum.RowsCollapsed++
		if !sameFields2009(first, r) {
			inconsistent = true
		}
		for _, e := range group[:j] {
			if rows.At(e).hash == r.hash {
				sum.DuplicateRows++
				break
			}
		}
	}
	if inconsistent {
		sum.InconsistentGroups++
	}
	return skills, ms
}

// sameFields2009 compares the fields the reference checks for consistency
// (NaN equals NaN, as pandas' nunique(dropna=False) counts it).
func sameFields2009(a, b *row2009) bool {
	return a.item == b.item && sameFloat(a.correct, b.correct) && sameFloat(a.ms, b.ms) &&
		a.tries == b.tries && a.hints == b.hints && a.total == b.total
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// skillNames appends the names of skills, sorted by name and without repeats.
func skillNames(dst []string, skills []int32, rank []int32, syms *ingest.Symbols) []string {
	for i := 1; i < len(skills); i++ { // insertion sort: an attempt has few skills
		for j := i; j > 0 && rank[skills[j]] < rank[skills[j-1]]; j-- {
			skills[j], skills[j-1] = skills[j-1], skills[j]
		}
	}
	for i, s := range skills {
		if i == 0 || s != skills[i-1] {
			dst = append(dst, syms.Name(s))
		}
	}
	return dst
}

// Notes on attempts kept under a documented mapping (see docs/importers.md).
const (
	noteNoResponse     = "attempt_count 0: retries set to 0"
	noteCorrectRetried = "correct 1 with attempt_count other than 1: independent as the protocol says"
	noteCorrectHinted  = "correct 1 with hint_count > 0: independent as the protocol says"
	noteCorrectOther   = "correct neither 0 nor 1: not independent"
	noteHintsOverTotal = "hint_count > hint_total > 0: answer given"
	noteHintsNoTotal   = "hint_count > 0 with hint_total 0: hints kept, answer not given"
	noteNegativeMS     = "negative ms_first_response: response time unknown"
)

// fill2009 sets a from the first row of an attempt and its first known
// response time ms, applying the protocol's labels.
func fill2009(a *datasets.Attempt, r *row2009, ms float64, ids *idTables, sum *datasets.ImportSummary) {
	a.Learner = ids.users.Name(r.user)
	a.Item = ids.items.Name(r.item)
	a.Seq = r.order
	a.Independent = r.correct == 1
	a.AnswerGiven = r.total > 0 && r.hints >= r.total
	a.Supported = !a.AnswerGiven
	a.HintsUsed = r.hints
	a.HintsAvailable = r.total
	a.Retries = max(r.tries-1, 0)
	// Problems without hints answer a wrong response or a help request by
	// leading the learner through scaffolding sub-questions.
	a.Scaffolded = r.total == 0 && r.correct != 1
	a.ResponseMS = ms
	a.Difficulty = math.NaN()
	if r.tries == 0 {
		sum.Note(noteNoResponse)
	}
	if r.correct == 1 && r.tries != 1 {
		sum.Note(noteCorrectRetried)
	}
	if r.correct == 1 && r.hints > 0 {
		sum.Note(noteCorrectHinted)
	}
	if r.correct != 0 && r.correct != 1 {
		sum.Note(noteCorrectOther)
	}
	if r.total > 0 && r.hints > r.total {
		sum.Note(noteHintsOverTotal)
	}
	if r.total == 0 && r.hints > 0 {
		sum.Note(noteHintsNoTotal)
	}
	if ms < 0 {
		a.ResponseMS = math.NaN()
		sum.Note(noteNegativeMS)
	}
}
