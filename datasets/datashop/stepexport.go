// Package datashop imports PSLC DataShop step exports (the KDD Cup 2010
// format, tab-separated, one row per problem step) into the canonical attempt
// schema. docs/importers.md documents the column mapping.
package datashop

import (
	"bytes"
	"cmp"
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
	startMS    int64 // NoTime when unknown
	tie        int64 // Row, or the row's index when absent
	hash       uint64
	responseMS float64
	user       int32
	item       int32
	kc         int32 // index of the KC field in kcs, -1 when empty
	cfa        bool
	incorrects int32
	hints      int32
	corrects   int32
	notes      uint8 // bits of noteNames, counted once the row is emitted
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
		p := parser{rd: rd, f: f}
		r := p.parse(&c, &ids, &item)
		if p.err != nil || p.reason != "" {
			return p.reason, p.err
		}
		if c.row < 0 {
			r.tie = sum.RowsRead
		}
		r.hash = maphash.Bytes(seed, rd.Record())
		rows.Append(r)
		return "", nil
	})
	if err != nil {
		return sum, err
	}
	return sum, emitAll(ctx, &rows, &ids, &sum, name, emit)
}

// parser parses the fields of one row, remembering the first problem: a
// hard error (unparseable text) or a reason to reject the row.
type parser struct {
	rd     *ingest.Reader
	f      [][]byte
	err    error
	reason string
}

func (p *parser) ok() bool { return p.err == nil && p.reason == "" }

func (p *parser) reject(reason string) {
	if p.ok() {
		p.reason = reason
	}
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

func (p *parser) parse(c *columns, ids *idTables, item *[]byte) row {
	f := p.f
	r := row{kc: -1, responseMS: math.NaN()}
	r.user = p.id(&ids.users, f[c.user], "Anon Student Id")
	*item = (*item)[:0]
	if c.hierarchy >= 0 {
		*item = append(append(*item, bytes.TrimSpace(f[c.hierarchy])...), ItemSep...)
	}
	*item = append(append(append(*item, bytes.TrimSpace(f[c.problem])...), ItemSep...), bytes.TrimSpace(f[c.step])...)
	if p.ok() && (len(bytes.TrimSpace(f[c.problem])) == 0 || len(bytes.TrimSpace(f[c.step])) == 0) {
		p.reject("missing Problem Name or Step Name")
	}
	r.item = p.id(&ids.items, *item, "Problem Name/Step Name")
	if c.kc >= 0 && len(bytes.TrimSpace(f[c.kc])) > 0 {
		r.kc = p.id(&ids.kcs, f[c.kc], "KC")
	}
	cfa := p.count(f[c.cfa], "Correct First Attempt")
	if p.ok() && cfa > 1 {
		p.reject("Correct First Attempt neither 0 nor 1")
	}
	r.cfa = cfa == 1
	r.incorrects = p.count(f[c.incorrects], "Incorrects")
	r.hints = p.count(f[c.hints], "Hints")
	r.corrects = p.count(f[c.corrects], "Corrects")
	if c.row >= 0 {
		r.tie = int64(p.count(f[c.row], "Row"))
	}
	start, hasStart := p.time(f[c.start], "Step Start Time")
	first, hasFirst := int64(0), false
	if c.first >= 0 {
		first, hasFirst = p.time(f[c.first], "First Transaction Time")
	}
	if !p.ok() {
		return r
	}
	switch {
	case hasStart:
		r.startMS = start
	case hasFirst:
		r.startMS = first
		r.notes |= noteNoStart
	default:
		p.reject("missing Step Start Time")
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

func (p *parser) id(syms *ingest.Symbols, b []byte, name string) int32 {
	b = bytes.TrimSpace(b)
	if !p.ok() {
		return 0
	}
	if len(b) == 0 {
		p.reject("missing " + name)
		return 0
	}
	i, valid := syms.ID(b)
	if !valid {
		p.err = p.rd.Errorf("column %s: invalid UTF-8 %q", name, ingest.Clip(b))
	}
	return i
}

// count parses a required non-negative integer.
func (p *parser) count(b []byte, name string) int32 {
	if !p.ok() {
		return 0
	}
	if len(bytes.TrimSpace(b)) == 0 {
		p.reject("missing " + name)
		return 0
	}
	v, ok := ingest.Int32(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not an integer", name, ingest.Clip(b))
		return 0
	}
	if v < 0 {
		p.reject("negative " + name)
	}
	return v
}

// time parses a DataShop time, "2006-10-26 09:51:58.0", as Unix milliseconds;
// the export's clock has no zone, so it is read as UTC. Empty is unknown.
func (p *parser) time(b []byte, name string) (int64, bool) {
	b = bytes.TrimSpace(b)
	if !p.ok() || len(b) == 0 {
		return 0, false
	}
	ms, ok := parseTime(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not a time like 2006-10-26 09:51:58.0", name, ingest.Clip(b))
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
	byTime := func(x, y int32) int {
		if c := cmp.Compare(rows.At(x).startMS, rows.At(y).startMS); c != 0 {
			return c
		}
		if c := cmp.Compare(rows.At(x).tie, rows.At(y).tie); c != 0 {
			return c
		}
		return cmp.Compare(x, y) // file order; faster than a stable sort
	}
	skills := splitKCs(ids)
	a := datasets.NewAttempt()
	for k := range len(start) - 1 {
		learner := order[start[k]:start[k+1]]
		if !slices.IsSortedFunc(learner, byTime) {
			slices.SortFunc(learner, byTime)
		}
		var seq int64
		for j, i := range learner {
			if duplicate(rows, learner, j) {
				sum.DuplicateRows++
				sum.RowsCollapsed++
				continue
			}
			r := rows.At(i)
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
			seq++
			if err := emit(&a); err != nil {
				return fmt.Errorf("%s: attempt of learner %s, seq %d: %w", name, a.Learner, a.Seq, err)
			}
			sum.AttemptsWritten++
			if sum.AttemptsWritten&0xfff == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return nil
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
	a.Time = time.UnixMilli(r.startMS).UTC()
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

// duplicate reports whether row learner[j] repeats an earlier row with the
// same order key (exact duplicates sort next to each other).
func duplicate(rows *ingest.Rows[row], learner []int32, j int) bool {
	r := rows.At(learner[j])
	for e := j - 1; e >= 0; e-- {
		p := rows.At(learner[e])
		if p.startMS != r.startMS || p.tie != r.tie {
			return false
		}
		if p.hash == r.hash {
			return true
		}
	}
	return false
}
