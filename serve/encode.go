package serve

import (
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Decimals is how many decimal places response numbers carry: ability,
// elasticity and difficulties are logits and probabilities are in [0, 1],
// so 1e-9 is far below their uncertainty, and fixed-point formatting is
// several times faster than the shortest exact form, which was a third of
// the cost of scoring a learner.
const Decimals = 9

// appendFloat appends f as a JSON number rounded to Decimals decimal places
// (trailing zeros dropped), or null when f is NaN or infinite, which JSON
// cannot carry. Numbers too large for fixed point use the shortest form.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	const scale = 1e9
	a := math.Abs(f)
	if a >= 1e9 {
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	n := uint64(a*scale + 0.5)
	if n == 0 {
		return append(b, '0')
	}
	if f < 0 {
		b = append(b, '-')
	}
	if whole := n / scale; whole < 10 {
		b = append(b, byte('0'+whole))
	} else {
		b = strconv.AppendUint(b, whole, 10)
	}
	frac := uint32(n % scale)
	if frac == 0 {
		return b
	}
	// Nine fraction digits, two at a time from the right, then drop the
	// trailing zeros.
	var d [Decimals + 1]byte
	d[0] = '.'
	d[1] = byte('0' + frac/1e8)
	frac %= 1e8
	for i := Decimals - 1; i >= 1; i -= 2 {
		p := frac % 100 * 2
		frac /= 100
		d[i], d[i+1] = digitPairs[p], digitPairs[p+1]
	}
	end := len(d)
	for d[end-1] == '0' {
		end--
	}
	return append(b, d[:end]...)
}

// digitPairs holds "00" to "99" for formatting two digits at a time.
const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does, so the output is always valid JSON.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendBytes appends s as a JSON string, like appendString.
func appendBytes(b, s []byte) []byte { return appendString(b, bytesString(s)) }

// bytesString views s as a string without copying; s must not change while
// the string is in use.
func bytesString(s []byte) string { return unsafe.String(unsafe.SliceData(s), len(s)) }
