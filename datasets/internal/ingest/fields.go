package ingest

import (
	"bytes"
	"math"
)

// Fields parses the fields of one record, remembering the first problem:
// a hard error (text that does not parse), which stops the import, or a
// reason to reject the row, which is counted. Once a problem is recorded
// the other parsers return zero values without looking at their field.
type Fields struct {
	rd     *Reader
	f      [][]byte
	pandas bool
	err    error
	reason string
}

// NewFields starts parsing the record f of rd. With pandas set, a field is
// missing when it is one of the strings pandas reads as a missing value
// (the ASSISTments exports went through pandas), and ids written as
// integral floats ("14.0") are cut to the integer; otherwise a field is
// missing when it is blank.
func NewFields(rd *Reader, f [][]byte, pandas bool) Fields {
	return Fields{rd: rd, f: f, pandas: pandas}
}

// OK reports whether no problem was recorded.
func (p *Fields) OK() bool { return p.err == nil && p.reason == "" }

// Result returns the reason the row is rejected ("" to keep it) and the
// hard error, as EachRecord's take returns them.
func (p *Fields) Result() (reason string, err error) { return p.reason, p.err }

// Reject records reason unless a problem is already recorded.
func (p *Fields) Reject(reason string) {
	if p.OK() {
		p.reason = reason
	}
}

// Fail records a hard error about the current record, prefixed with its
// file and line, unless a problem is already recorded.
func (p *Fields) Fail(format string, args ...any) {
	if p.OK() {
		p.err = p.rd.Errorf(format, args...)
	}
}

// Raw returns field col as read.
func (p *Fields) Raw(col int) []byte { return p.f[col] }

// missing reports whether b is a missing value.
func (p *Fields) missing(b []byte) bool {
	if p.pandas {
		return IsNA(b)
	}
	return len(bytes.TrimSpace(b)) == 0
}

// ID interns field col in syms; a missing id rejects the row.
func (p *Fields) ID(syms *Symbols, col int, name string) int32 {
	return p.IDOf(syms, p.f[col], name)
}

// IDOf is ID for an id the caller assembled from several fields.
func (p *Fields) IDOf(syms *Symbols, b []byte, name string) int32 {
	if !p.OK() {
		return 0
	}
	if p.missing(b) {
		p.reject("missing " + name)
		return 0
	}
	b = p.norm(b)
	if len(b) == 0 {
		p.reject("missing " + name)
		return 0
	}
	return p.intern(syms, b, name)
}

// OptID interns field col in syms, with -1 for an absent column (col < 0)
// or a missing value.
func (p *Fields) OptID(syms *Symbols, col int, name string) int32 {
	if col < 0 || !p.OK() || p.missing(p.f[col]) {
		return -1
	}
	b := p.norm(p.f[col])
	if len(b) == 0 {
		return -1
	}
	i := p.intern(syms, b, name)
	if !p.OK() {
		return -1
	}
	return i
}

func (p *Fields) intern(syms *Symbols, b []byte, name string) int32 {
	i, valid := syms.ID(b)
	if !valid {
		p.err = p.rd.Errorf("column %s: invalid UTF-8 %q", name, Clip(b))
	}
	return i
}

// norm trims an id and, in pandas mode, cuts an integral float to its
// integer.
func (p *Fields) norm(b []byte) []byte {
	if p.pandas {
		return NormID(b)
	}
	return bytes.TrimSpace(b)
}

// reject is Reject; the parsers call it after checking OK themselves.
func (p *Fields) reject(reason string) { p.reason = reason }

// Count parses a required non-negative integer in field col; a missing or
// negative value rejects the row.
func (p *Fields) Count(col int, name string) int32 {
	if !p.OK() {
		return 0
	}
	b := p.f[col]
	if p.missing(b) {
		p.reject("missing " + name)
		return 0
	}
	v, ok := Int32(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not an integer", name, Clip(b))
		return 0
	}
	if v < 0 {
		p.reject("negative " + name)
	}
	return v
}

// Flag parses a required 0/1 field; an absent column (col < 0) is false.
func (p *Fields) Flag(col int, name string) bool {
	if col < 0 {
		return false
	}
	v := p.Count(col, name)
	if p.OK() && v > 1 {
		p.reject(name + " neither 0 nor 1")
	}
	return v == 1
}

// Int64 parses a required integer such as an order id.
func (p *Fields) Int64(col int, name string) int64 {
	if !p.OK() {
		return 0
	}
	b := p.f[col]
	if p.missing(b) {
		p.reject("missing " + name)
		return 0
	}
	v, ok := Int(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not an integer", name, Clip(b))
	}
	return v
}

// Float parses a number; a missing value is NaN when optional and rejects
// the row otherwise. An absent column (col < 0) is NaN.
func (p *Fields) Float(col int, name string, optional bool) float64 {
	if col < 0 || !p.OK() {
		return math.NaN()
	}
	b := p.f[col]
	if p.missing(b) {
		if !optional {
			p.reject("missing " + name)
		}
		return math.NaN()
	}
	v, ok := Float(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not a number", name, Clip(b))
	}
	return v
}

// NormID normalises an id as the evaluation protocol's reference does when
// pandas has turned an integer column into floats: spaces trimmed, and an
// integral decimal ("14.0", "+14.") cut to its integer part ("14").
func NormID(b []byte) []byte {
	b = bytes.TrimSpace(b)
	dot := bytes.IndexByte(b, '.')
	if dot < 0 {
		return b
	}
	i := 0
	if b[0] == '+' || b[0] == '-' {
		i = 1
	}
	if dot == i {
		return b
	}
	for _, c := range b[i:dot] {
		if c < '0' || c > '9' {
			return b
		}
	}
	for _, c := range b[dot+1:] {
		if c != '0' {
			return b
		}
	}
	b = b[:dot]
	if b[0] == '+' {
		b = b[1:]
	}
	return b
}

// IsNA reports whether a raw field is one of the strings pandas reads as a
// missing value by default, so that missing values match the reference.
func IsNA(b []byte) bool {
	if len(b) > 8 {
		return false
	}
	switch string(b) {
	case "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
		"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null":
		return true
	}
	return false
}
