package serve

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// lexer reads JSON from a byte slice without reflection or allocation: the
// scoring routes decode their known request shapes with it (wire.go), which
// is most of the cost of a request with encoding/json. Strings without
// escapes are returned as sub-slices of the input; escaped ones are
// unescaped into arena. Errors are syntaxErrors with the byte offset.
//
// Hand-written because no JSON library in go.mod decodes without
// allocating: encoding/json and gin's binding reflect and allocate per
// value, and jsoniter/sonic (indirect, through gin) allocate strings and
// maps; scoring one learner must stay allocation-free (BENCHMARKS.md).
type lexer struct {
	data  []byte
	pos   int
	arena []byte
	depth int
}

// maxDepth bounds nesting, so skipping a hostile value cannot overflow the
// stack.
const maxDepth = 64

// syntaxError is malformed JSON at a byte offset.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.off) + ": " + e.msg
}

func (lx *lexer) reset(data []byte) {
	lx.data, lx.pos, lx.arena, lx.depth = data, 0, lx.arena[:0], 0
}

func (lx *lexer) fail(msg string) error { return &syntaxError{msg: msg, off: lx.pos} }

// ws skips whitespace and returns the next byte, or 0 at the end. Compact
// JSON has no whitespace, so the first test usually decides.
func (lx *lexer) ws() byte {
	if lx.pos < len(lx.data) {
		if c := lx.data[lx.pos]; c > ' ' {
			return c
		}
	}
	return lx.wsSlow()
}

func (lx *lexer) wsSlow() byte {
	for lx.pos < len(lx.data) {
		switch c := lx.data[lx.pos]; c {
		case ' ', '\t', '\n', '\r':
			lx.pos++
		default:
			return c
		}
	}
	return 0
}

// end checks that only whitespace is left.
func (lx *lexer) end() error {
	if lx.ws(); lx.pos < len(lx.data) {
		return lx.fail("unexpected data after the top-level value")
	}
	return nil
}

// null consumes a null literal if one is next.
func (lx *lexer) null() bool {
	if lx.ws() == 'n' && lx.literal("null") {
		return true
	}
	return false
}

func (lx *lexer) literal(lit string) bool {
	if len(lx.data)-lx.pos >= len(lit) && string(lx.data[lx.pos:lx.pos+len(lit)]) == lit {
		lx.pos += len(lit)
		return true
	}
	return false
}

// object calls field for each key of the object that comes next; field
// must consume the value. want names the expected value in errors.
func (lx *lexer) object(field func(key []byte) error) error {
	if c := lx.ws(); c != '{' {
		return lx.wrongType(c)
	}
	if lx.depth++; lx.depth > maxDepth {
		return lx.fail("nested too deeply")
	}
	lx.pos++
	if lx.ws() == '}' {
		lx.pos++
		lx.depth--
		return nil
	}
	for {
		if lx.ws() != '"' {
			return lx.fail("want an object key")
		}
		key, err := lx.str()
		if err != nil {
			return err
		}
		if lx.ws() != ':' {
			return lx.fail("want ':' after an object key")
		}
		lx.pos++
		if err := field(key); err != nil {
			return err
		}
		switch lx.ws() {
		case ',':
			lx.pos++
		case '}':
			lx.pos++
			lx.depth--
			return nil
		default:
			return lx.fail("want ',' or '}' in an object")
		}
	}
}

// array calls elem for each element of the array that comes next, with its
// index; elem must consume the element.
func (lx *lexer) array(elem func(i int) error) error {
	if c := lx.ws(); c != '[' {
		return lx.wrongType(c)
	}
	if lx.depth++; lx.depth > maxDepth {
		return lx.fail("nested too deeply")
	}
	lx.pos++
	if lx.ws() == ']' {
		lx.pos++
		lx.depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		switch lx.ws() {
		case ',':
			lx.pos++
		case ']':
			lx.pos++
			lx.depth--
			return nil
		default:
			return lx.fail("want ',' or ']' in an array")
		}
	}
}

// wrongType is the error for a value starting with c where another type
// was wanted: errWantType for a well-formed value, a syntax error otherwise
// (the end of the input, a stray character, a malformed value).
func (lx *lexer) wrongType(c byte) error {
	switch c {
	case '{', '[', '"', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// Malformed JSON is a syntax error even where the type is wrong too.
		pos, depth := lx.pos, lx.depth
		if err := lx.skip(); err != nil {
			return err
		}
		lx.pos, lx.depth = pos, depth
		return errWantType
	case 0:
		if lx.pos >= len(lx.data) {
			return lx.fail("unexpected end of input")
		}
	}
	return lx.fail("unexpected character")
}

// errWantType reports a value of the wrong JSON type; the decoder turns it
// into a field error naming what it wanted.
var errWantType = &syntaxError{msg: "wrong type"}

// str reads a string value.
func (lx *lexer) str() ([]byte, error) {
	if c := lx.ws(); c != '"' {
		return nil, lx.wrongType(c)
	}
	lx.pos++
	start := lx.pos
	high := false
	lx.pos = plainRun(lx.data, lx.pos)
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		switch {
		case c == '"':
			s := lx.data[start:lx.pos]
			lx.pos++
			if high && !utf8.Valid(s) {
				return nil, &syntaxError{msg: "string is not valid UTF-8", off: start}
			}
			return s, nil
		case c == '\\':
			return lx.escaped(start)
		case c < 0x20:
			return nil, lx.fail("control character in a string")
		case c >= 0x80:
			high = true
		}
		lx.pos++
	}
	return nil, lx.fail("unterminated string")
}

// escaped finishes a string that has escapes, unescaping it into the arena.
func (lx *lexer) escaped(start int) ([]byte, error) {
	a0 := len(lx.arena)
	lx.arena = append(lx.arena, lx.data[start:lx.pos]...)
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		switch {
		case c == '"':
			lx.pos++
			s := lx.arena[a0:len(lx.arena):len(lx.arena)]
			if !utf8.Valid(s) {
				return nil, &syntaxError{msg: "string is not valid UTF-8", off: start}
			}
			return s, nil
		case c < 0x20:
			return nil, lx.fail("control character in a string")
		case c != '\\':
			lx.arena = append(lx.arena, c)
			lx.pos++
			continue
		}
		if lx.pos+1 >= len(lx.data) {
			break
		}
		e := lx.data[lx.pos+1]
		lx.pos += 2
		switch e {
		case '"', '\\', '/':
			lx.arena = append(lx.arena, e)
		case 'b':
			lx.arena = append(lx.arena, '\b')
		case 'f':
			lx.arena = append(lx.arena, '\f')
		case 'n':
			lx.arena = append(lx.arena, '\n')
		case 'r':
			lx.arena = append(lx.arena, '\r')
		case 't':
			lx.arena = append(lx.arena, '\t')
		case 'u':
			r, ok := lx.hex4()
			if !ok {
				return nil, lx.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A surrogate pair, or a lone surrogate which, like
				// encoding/json, becomes U+FFFD.
				save := lx.pos
				if lx.literal(`\u`) {
					if r2, ok := lx.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							lx.arena = utf8.AppendRune(lx.arena, d)
							continue
						}
					}
				}
				lx.pos = save
				r = utf8.RuneError
			}
			lx.arena = utf8.AppendRune(lx.arena, r)
		default:
			lx.pos -= 2
			return nil, lx.fail("bad escape")
		}
	}
	return nil, lx.fail("unterminated string")
}

func (lx *lexer) hex4() (rune, bool) {
	if len(lx.data)-lx.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range lx.data[lx.pos : lx.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	lx.pos += 4
	return r, true
}

// boolean reads true or false.
func (lx *lexer) boolean() (bool, error) {
	switch lx.ws() {
	case 't':
		if lx.literal("true") {
			return true, nil
		}
	case 'f':
		if lx.literal("false") {
			return false, nil
		}
	default:
		return false, lx.wrongType(lx.ws())
	}
	return false, lx.fail("bad literal")
}

// number reads a number and returns its text, checked against the JSON
// grammar; integer reports that it has no fraction or exponent.
func (lx *lexer) number() (text []byte, integer bool, err error) {
	c := lx.ws()
	if c != '-' && (c < '0' || c > '9') {
		return nil, false, lx.wrongType(c)
	}
	start := lx.pos
	d := lx.data
	p := lx.pos
	if d[p] == '-' {
		p++
	}
	switch {
	case p < len(d) && d[p] == '0':
		p++
	case p < len(d) && d[p] >= '1' && d[p] <= '9':
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
	default:
		lx.pos = p
		return nil, false, lx.fail("bad number")
	}
	integer = true
	if p < len(d) && d[p] == '.' {
		integer = false
		p++
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			lx.pos = p
			return nil, false, lx.fail("bad number")
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		integer = false
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			lx.pos = p
			return nil, false, lx.fail("bad number")
		}
	}
	lx.pos = p
	return d[start:p], integer, nil
}

// float reads a number as a float64.
func (lx *lexer) float() (float64, error) {
	text, _, err := lx.number()
	if err != nil {
		return 0, err
	}
	// The text is grammatical JSON, so ParseFloat fails only on overflow.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(text), len(text)), 64)
	if err != nil {
		return 0, errRange
	}
	return f, nil
}

// integer reads a number that must be an integer in int64.
func (lx *lexer) integer() (int64, error) {
	text, isInt, err := lx.number()
	if err != nil {
		return 0, err
	}
	if !isInt {
		return 0, errWantType
	}
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	var n uint64
	for _, c := range text {
		if n > (1<<63)/10 {
			return 0, errRange
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63 || (!neg && n == 1<<63) {
		return 0, errRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// errRange is a number too large for its field.
var errRange = &syntaxError{msg: "number out of range"}

// skip consumes any one value, checking its syntax.
func (lx *lexer) skip() error {
	switch c := lx.ws(); {
	case c == '{':
		return lx.object(func([]byte) error { return lx.skip() })
	case c == '[':
		return lx.array(func(int) error { return lx.skip() })
	case c == '"':
		_, err := lx.str()
		return err
	case c == 't' || c == 'f':
		_, err := lx.boolean()
		return err
	case c == 'n':
		if lx.null() {
			return nil
		}
		return lx.fail("bad literal")
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, err := lx.number()
		return err
	case c == 0:
		return lx.fail("unexpected end of input")
	}
	return lx.fail("unexpected character")
}

// plainRun returns the index of the first byte at or after i that needs a
// look in a string: a quote, a backslash, a control character or a non-ASCII
// byte. It tests eight bytes at a time (SWAR), which is most of the speed of
// decoding ids.
func plainRun(d []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		q := x ^ (ones * '"')
		b := x ^ (ones * '\\')
		special := ((q - ones) &^ q) | ((b - ones) &^ b) | ((x - ones*0x20) &^ x) | x
		if special &= highs; special != 0 {
			return i + bits.TrailingZeros64(special)/8
		}
	}
	for ; i < len(d); i++ {
		if c := d[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return i
}
