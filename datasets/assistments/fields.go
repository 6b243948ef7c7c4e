package assistments

import (
	"bytes"
	"math"

	"github.com/zpd-project/zpd/datasets/internal/ingest"
)

// normID normalises an id as the evaluation protocol's reference does when
// pandas has turned an integer column into floats: spaces trimmed, and an
// integral decimal ("14.0", "+14.") cut to its integer part ("14").
func normID(b []byte) []byte {
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

// isNA reports whether a raw field is one of the strings pandas reads as a
// missing value by default, so that missing skills match the reference.
func isNA(b []byte) bool {
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

// field parses the fields of one record, remembering the first problem: a
// hard error (unparseable text) or a reason to reject the row.
type field struct {
	rd     *ingest.Reader
	f      [][]byte
	err    error
	reason string
}

func (p *field) ok() bool { return p.err == nil && p.reason == "" }

func (p *field) reject(reason string) {
	if p.ok() {
		p.reason = reason
	}
}

// id interns column col (normalised) in syms; missing ids reject the row.
func (p *field) id(syms *ingest.Symbols, col int, name string) int32 {
	if !p.ok() {
		return 0
	}
	b := p.f[col]
	if isNA(b) {
		p.reject("missing " + name)
		return 0
	}
	b = normID(b)
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

// optID interns column col (normalised) in syms, with -1 for an absent
// column or a missing value.
func (p *field) optID(syms *ingest.Symbols, col int, name string) int32 {
	if col < 0 || !p.ok() || isNA(p.f[col]) {
		return -1
	}
	b := normID(p.f[col])
	if len(b) == 0 {
		return -1
	}
	i, valid := syms.ID(b)
	if !valid {
		p.err = p.rd.Errorf("column %s: invalid UTF-8 %q", name, ingest.Clip(b))
		return -1
	}
	return i
}

// count parses a required non-negative integer.
func (p *field) count(col int, name string) int32 {
	if !p.ok() {
		return 0
	}
	b := p.f[col]
	if isNA(b) {
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

// flag parses a required 0/1 column.
func (p *field) flag(col int, name string) bool {
	if col < 0 {
		return false
	}
	v := p.count(col, name)
	if p.ok() && v > 1 {
		p.reject(name + " neither 0 nor 1")
	}
	return v == 1
}

// int64 parses a required integer such as an order id.
func (p *field) int64(col int, name string) int64 {
	if !p.ok() {
		return 0
	}
	b := p.f[col]
	if isNA(b) {
		p.reject("missing " + name)
		return 0
	}
	v, ok := ingest.Int(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not an integer", name, ingest.Clip(b))
	}
	return v
}

// float parses a number; a missing value is NaN when optional and rejects
// the row otherwise. An absent column (col < 0) is NaN.
func (p *field) float(col int, name string, optional bool) float64 {
	if col < 0 || !p.ok() {
		return math.NaN()
	}
	b := p.f[col]
	if isNA(b) {
		if !optional {
			p.reject("missing " + name)
		}
		return math.NaN()
	}
	v, ok := ingest.Float(b)
	if !ok {
		p.err = p.rd.Errorf("column %s: %q is not a number", name, ingest.Clip(b))
	}
	return v
}
