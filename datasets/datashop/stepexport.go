// Package datashop imports PSLC DataShop step exports (the KDD Cup 2010
// format, tab-separated, one row per problem step) into the canonical attempt
// schema. docs/importers.md documents the column mapping.
package datashop

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/internal/ingest"
)

// StepExport imports a DataShop student-step export. It holds no state: one
// value may import many files, also concurrently.
//
// Every row becomes one attempt at the step, identified as
// "Problem Hierarchy::Problem Name::Step Name" (problem names repeat across
// units). A learner's attempts are ordered by Step Start Time, then Row, then
// file order, and numbered from 0 (Seq). Rows are held in memory until the
// end of the file, about 80 bytes per row plus the distinct ids.
type StepExport struct{}

// New returns the importer of the DataShop step export format.
func New() *StepExport { return &StepExport{} }

// Groups returns no group columns: the step export records none.
func (*StepExport) Groups() []string { return nil }

// ItemSep joins Problem Hierarchy, Problem Name and Step Name into an item id.
const ItemSep = "::"

// KCSep separates knowledge components in a KC column.
const KCSep = "~~"

type row struct {
	ingest.Timed // Tie: Row, or the row's index when absent
	responseMS   float64
	user         int32
	item         int32
	kc           int32 // index of the KC field in kcs, -1 when empty
	cfa          bool
	incorrects   int32
	hints        int32
	corrects     int32
	notes        uint8 // bits of noteNames, counted once the row is emitted
}

type columns struct {
	user, hierarchy, problem, step, start, first, cfa, incorrects, hints, corrects, kc, row int
}

func columnsOf(name string, header []string) (columns, error) {
	c := ingest.NewColumns(header)
	if err := c.Require(name, "Anon Student Id", "Problem Name", "Step Name", "Step Start Time",
		"Correct First Attempt", "Incorrects", "Hints", "Corrects"); err != nil {
		return columns{}, err
	}
	k := columns{
		user: c.Index("Anon Student Id"), hierarchy: c.Index("Problem Hierarchy"), problem: c.Index("Problem Name"),
		step: c.Index("Step Name"), start: c.Index("Step Start Time"), first: c.Index("First Transaction Time"),
		cfa: c.Index("Correct First Attempt"), incorrects: c.Index("Incorrects"), hints: c.Index("Hints"),
		corrects: c.Index("Corrects"), kc: c.Index("KC(Default)"), row: c.Index("Row"),
	}
	if k.kc < 0 { // KDD Cup files name their KC models differently
		for i, h := range header {
			if strings.HasPrefix(h, "KC(") {
				k.kc = i
				break
			}
		}
	}
	return k, nil
}

type idTables struct {
	users, items, kcs, skills ingest.Symbols
}

// Import reads one step export and emits its attempts in order of
// Anon Student Id, then time.
func (*StepExport) Import(ctx context.Context, r io.Reader, name string, emit func(*datasets.Attempt) error) (datasets.ImportSummary, error) {
	var sum datasets.ImportSummary
	rd, c, err := ingest.Open(r, name, '\t', false, columnsOf)
	if err != nil {
		return sum, err
	}
	var ids idTables
	var rows ingest.Rows[row]
	var item []byte
	seed := maphash.MakeSeed()
	err = ingest.EachRecord(ctx, rd, &sum, func(f [][]byte) (string, error) {
		p := ingest.NewFields(rd, f, false)
		r := parse(&p, &c, &ids, &item)
		if !p.OK() {
			return p.Result()
		}
		if c.row < 0 {
			r.Tie = sum.RowsRead
		}
		r.Hash = maphash.Bytes(seed, rd.Record())
		rows.Append(r)
		return "", nil
	})
	if err != nil {
		return sum, err
	}
	return sum, emitAll(ctx, &rows, &ids, &sum, name, emit)
}

// Notes on attempts kept under a documented mapping (see docs/importers.md),
// as bits of row.notes.
const (
	noteNoStart = 1 << iota
	noteCFAHinted
	noteCFANoCorrect
	noteNegativeResp
	noteCFARetried
)

// noteName returns the ImportSummary.Anomalies reason of a note bit.
func noteName(bit uint8) string {
	switch bit {
	case noteNoStart:
		return "Step Start Time empty: First Transaction Time used"
	case noteCFAHinted:
		return "Correct First Attempt 1 with Hints > 0: independent as exported"
	case noteCFANoCorrect:
		return "Correct First Attempt 1 with Corrects 0: supported"
	case noteNegativeResp:
		return "First Transaction Time before Step Start Time: response time unknown"
	case noteCFARetried:
		return "Correct First Attempt 1 with Incorrects > 0: independent, retries as exported"
	}
	return fmt.Sprintf("note %d", bit)
}

// parse reads one step row; problems are recorded in p.
func parse(p *ingest.Fields, c *columns, ids *idTables, item *[]byte) row {
	field := func(col int) []byte { return bytes.TrimSpace(p.Raw(col)) }
	r := row{kc: -1, responseMS: math.NaN()}
	r.user = p.ID(&ids.users, c.user, "Anon Student Id")
	*item = (*item)[:0]
	if c.hierarchy >= 0 {
		*item = append(append(*item, field(c.hierarchy)...), ItemSep...)
	}
	*item = append(append(append(*item, field(c.problem)...), ItemSep...), field(c.step)...)
	if len(field(c.problem)) == 0 || len(field(c.step)) == 0 {
		p.Reject("missing Problem Name or Step Name")
	}
	r.item = p.IDOf(&ids.items, *item, "Problem Name/Step Name")
	r.kc = p.OptID(&ids.kcs, c.kc, "KC")
	r.cfa = p.Flag(c.cfa, "Correct First Attempt")
	r.incorrects = p.Count(c.incorrects, "Incorrects")
	r.hints = p.Count(c.hints, "Hints")
	r.corrects = p.Count(c.corrects, "Corrects")
	if c.row >= 0 {
		r.Tie = int64(p.Count(c.row, "Row"))
	}
	start, hasStart := parseTimeField(p, c.start, "Step Start Time")
	first, hasFirst := int64(0), false
	if c.first >= 0 {
		first, hasFirst = parseTimeField(p, c.first, "First Transaction Time")
	}
	if !p.OK() {
		return r
	}
	switch {
	case hasStart:
		r.StartMS = start
	case hasFirst:
		r.StartMS = first
		r.notes |= noteNoStart
	default:
		p.Reject("missing Step Start Time")
		return r
	}
	if hasStart && hasFirst {
		if first < start {
			r.notes |= noteNegativeResp
		} else {
			r.responseMS = float64(first - start)
		}
	}
	if r.cfa && r.hints > 0 {
		r.notes |= noteCFAHinted
	}
	if r.cfa && r.incorrects > 0 {
		r.notes |= noteCFARetried
	}
	if r.cfa && r.corrects == 0 {
		r.notes |= noteCFANoCorrect
	}
	return r
}

// parseTimeField parses a DataShop time, "2006-10-26 09:51:58.0", as Unix milliseconds;
// the export's clock has no zone, so it is read as UTC. Empty is unknown.
func parseTimeField(p *ingest.Fields, col int, name string) (int64, bool) {
	b := bytes.TrimSpace(p.Raw(col))
	if !p.OK() || len(b) == 0 {
		return 0, false
	}
	ms, ok := parseTime(b)
	if !ok {
		p.Fail("column %s: %q is not a time like 2006-10-26 09:51:58.0", name, ingest.Clip(b))
	}
	return ms, ok
}

// parseTime reads "YYYY-MM-DD HH:MM:SS" with an optional fraction of a
// second, by hand because time.Parse is slow for millions of rows.
func parseTime(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	num := func(s []byte) int {
		v := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d := num(b[0:4]), num(b[5:7]), num(b[8:10])
	h, mi, s := num(b[11:13]), num(b[14:16]), num(b[17:19])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 {
		return 0, false
	}
	ms := 0
	if frac := b[19:]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) == 1 || num(frac[1:]) < 0 {
			return 0, false
		}
		for i, scale := 1, 100; i < len(frac) && i <= 3; i, scale = i+1, scale/10 {
			ms += int(frac[i]-'0') * scale
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	return t.UnixMilli() + int64(ms), true
}

// emitAll orders each learner's rows by time, then Row, then file order,
// drops exact duplicates and emits one attempt per row.
func emitAll(ctx context.Context, rows *ingest.Rows[row], ids *idTables, sum *datasets.ImportSummary, name string, emit func(*datasets.Attempt) error) error {
	order, start := ingest.ByLearner(rows.Len(), func(i int) int32 { return rows.At(int32(i)).user }, ids.users.Ranks())
	out := ingest.NewEmitter(ctx, name, "seq", sum, emit)
	skills := splitKCs(ids)
	a := datasets.NewAttempt()
	timed := func(r *row) *ingest.Timed { return &r.Timed }
	return ingest.EachInTime(rows, timed, order, start, sum, func(r *row, seq int64) error {
		fill(&a, r, ids)
		for bit := uint8(1); bit != 0 && bit <= r.notes; bit <<= 1 {
			if r.notes&bit != 0 {
				sum.Note(noteName(bit))
			}
		}
		a.Skills = nil
		if r.kc >= 0 {
			a.Skills = skills[r.kc]
		}
		a.Seq = seq
		return out.Emit(&a)
	})
}

// splitKCs turns each distinct KC field into its sorted set of skills, once.
func splitKCs(ids *idTables) [][]string {
	out := make([][]string, ids.kcs.Len())
	for i := range out {
		var set []string
		for _, s := range strings.Split(ids.kcs.Name(int32(i)), KCSep) {
			if s = strings.TrimSpace(s); s != "" {
				set = append(set, s)
			}
		}
		slices.Sort(set)
		out[i] = slices.Compact(set)
	}
	return out
}

// fill maps one step row onto a.
func fill(a *datasets.Attempt, r *row, ids *idTables) {
	a.Learner = ids.users.Name(r.user)
	a.Item = ids.items.Name(r.item)
	a.Time = time.UnixMilli(r.StartMS).UTC()
	a.Independent = r.cfa
	a.AnswerGiven = false // the export cannot tell a bottom-out hint
	a.Supported = r.cfa || r.corrects > 0
	a.HintsUsed = r.hints
	a.HintsAvailable = datasets.Unknown
	a.Retries = r.incorrects
	a.Scaffolded = false
	a.ResponseMS = r.responseMS
	a.Difficulty = math.NaN()
}
