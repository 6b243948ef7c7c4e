package models

import (
	"strings"
	"testing"
)

func TestDecodeParams(t *testing.T) {
	type settings struct {
		C     *float64 `json:"c"`
		Rate  float64  `json:"rate"`
		Steps int      `json:"steps"`
		On    bool     `json:"on"`
		Kind  string   `json:"kind"`
	}
	tests := []struct {
		name    string
		params  map[string]any
		want    settings
		wantErr string
	}{
		{"absent keys keep values", nil, settings{Rate: 1, Steps: 3}, ""},
		{"numbers", map[string]any{"c": 2, "rate": 0.5, "steps": 40.0}, settings{C: ptr(2), Rate: 0.5, Steps: 40}, ""},
		{"strings from the environment", map[string]any{"c": "0.3", "steps": "7", "on": "true"}, settings{C: ptr(0.3), Rate: 1, Steps: 7, On: true}, ""},
		{"unknown key", map[string]any{"rte": 1}, settings{}, "rte"},
		{"fractional integer", map[string]any{"steps": 1.5}, settings{}, "steps"},
		{"number for a boolean", map[string]any{"on": 3}, settings{}, "on"},
		{"text for a number", map[string]any{"c": "big"}, settings{}, "c"},
		{"boolean for a number", map[string]any{"rate": true}, settings{}, "rate"},
	}
	for _, tt := range tests {
		got := settings{Rate: 1, Steps: 3}
		err := DecodeParams(tt.params, &got)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want one naming %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if (got.C == nil) != (tt.want.C == nil) || (got.C != nil && *got.C != *tt.want.C) ||
			got.Rate != tt.want.Rate || got.Steps != tt.want.Steps || got.On != tt.want.On || got.Kind != tt.want.Kind {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func ptr(v float64) *float64 { return &v }

func TestFamilyParams(t *testing.T) {
	params := map[string]map[string]any{
		"elasticity":     {"mastery": 0.7},
		"bestlr":         {"l2": 1.0},
		"bestlr+support": {"l2": 2.0},
	}
	tests := []struct {
		family string
		want   any
	}{
		{"elasticity", 0.7},
		{"elasticity+feedback", 0.7}, // no section of its own: the base's
		{"bestlr+support", 2.0},      // its own section wins
		{"bestlr+stage2", 1.0},
		{"pfa", nil},
	}
	for _, tt := range tests {
		got := FamilyParams(params, tt.family)
		var v any
		for _, x := range got {
			v = x
		}
		if v != tt.want {
			t.Errorf("FamilyParams(%q) = %v, want a section holding %v", tt.family, got, tt.want)
		}
	}
}
