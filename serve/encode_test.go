package serve

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-1, "-1"}, {0.5, "0.5"}, {-0.25, "-0.25"},
		{0.1234567894, "0.123456789"}, {0.1234567896, "0.12345679"},
		{1e-10, "0"}, {-4e-10, "0"}, {6e-10, "0.000000001"},
		{12.000000001, "12.000000001"}, {123456789.5, "123456789.5"},
		{2e9, "2e+09"}, {-3.5e12, "-3.5e+12"},
		{math.NaN(), "null"}, {math.Inf(1), "null"}, {math.Inf(-1), "null"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	// Against strconv's correctly rounded fixed-point form: the last digit
	// may differ by one where a*1e9 rounds in binary.
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		f := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		got, err := strconv.ParseFloat(string(appendFloat(nil, f)), 64)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if math.Abs(f) < 1e9 && math.Abs(got-f) > 5.0001e-10+4e-16*math.Abs(f) {
			t.Fatalf("appendFloat(%v) = %v: off by %v", f, got, got-f)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "ctl\x00\x1f\n\t\r", "é ∑ 😀", "bad\xffutf8", "\u2028\u2029", "</script>"} {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q encodes to invalid JSON %s: %v", s, b, err)
			continue
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // invalid bytes become U+FFFD, as encoding/json does
		}
		if got != want {
			t.Errorf("%q round-trips to %q", s, got)
		}
	}
}
