package ingest

import (
	"math"
	"strconv"
)

// Int parses a decimal integer, allowing surrounding spaces and, as pandas
// reads numbers, an integral float such as "14.0" or "1e3". It reports false
// for anything else, including values outside int64.
func Int(b []byte) (int64, bool) {
	b = trimSpace(b)
	if v, ok := fastInt(b); ok {
		return v, true
	}
	f, ok := slowFloat(b)
	if !ok || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// Float parses a decimal number, allowing surrounding spaces. It reports
// false for anything else; "NaN" and "Inf" parse as strconv does.
func Float(b []byte) (float64, bool) {
	b = trimSpace(b)
	if v, ok := fastInt(b); ok {
		return float64(v), true
	}
	return slowFloat(b)
}

// Int32 is Int limited to the int32 range.
func Int32(b []byte) (int32, bool) {
	v, ok := Int(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// fastInt parses [+-]digits with an optional ".0*" tail, up to 18 digits so
// it cannot overflow; anything else goes to the slow path.
func fastInt(b []byte) (int64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	digits := i
	var v int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	if n := i - digits; n == 0 || n > 18 {
		return 0, false
	}
	if i < len(b) {
		if b[i] != '.' {
			return 0, false
		}
		for i++; i < len(b); i++ {
			if b[i] != '0' {
				return 0, false
			}
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

func slowFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 64 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
