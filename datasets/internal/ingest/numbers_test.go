package ingest

import (
	"math"
	"testing"
)

func TestInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"42", 42, true},
		{"-7", -7, true},
		{"+7", 7, true},
		{" 12 ", 12, true},
		{"14.0", 14, true},
		{"14.", 14, true},
		{"14.000", 14, true},
		{"1e3", 1000, true},
		{"35278766", 35278766, true},
		{"9223372036854775807", 0, false}, // 19 digits go through float64, which rounds it up past MaxInt64
		{"123456789012345678", 123456789012345678, true},
		{"14.5", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"abc", 0, false},
		{"1,5", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e30", 0, false},
	}
	for _, tt := range tests {
		got, ok := Int([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestInt32Range(t *testing.T) {
	if _, ok := Int32([]byte("2147483648")); ok {
		t.Error("Int32 accepted 2^31")
	}
	if v, ok := Int32([]byte("-2147483648")); !ok || v != math.MinInt32 {
		t.Errorf("Int32(-2^31) = %d, %v", v, ok)
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{"-3.25", -3.25, true},
		{"1.5e2", 150, true},
		{" 2 ", 2, true},
		{"x", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := Float([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Float(%q) = %g, %v; want %g, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
