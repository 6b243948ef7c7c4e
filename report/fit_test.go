package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/elasticity"
)

// TestFitSection: the report says whether the fit converged, warns in plain
// words when it did not, and draws the trace either way.
func TestFitSection(t *testing.T) {
	e := loadExcerpt(t)
	tests := []struct {
		name      string
		params    map[string]any
		converged bool
	}{
		{"cut short", map[string]any{"max_iterations": 2}, false},
		{"default", nil, true},
	}
	for _, tt := range tests {
		fam, err := elasticity.Family{}.Fit(context.Background(), e.log, models.FitOptions{Seed: 1, Params: tt.params})
		if err != nil {
			t.Fatal(err)
		}
		s, err := fitSection(fam.(*elasticity.Model))
		if err != nil {
			t.Fatal(err)
		}
		if s.Fit == nil || s.Fit.Converged != tt.converged || (s.Warning != "") == tt.converged {
			t.Errorf("%s: fit %+v, warning %q", tt.name, s.Fit, s.Warning)
		}
		if s.Figure == nil || len(s.Figure.PNG) == 0 {
			t.Fatalf("%s: no trace figure", tt.name)
		}
		var b bytes.Buffer
		if err := page.Execute(&b, &Report{Fit: s}); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		if !strings.Contains(html, `id="fit"`) || strings.Contains(html, "Not converged") == tt.converged ||
			strings.Contains(html, "Warning:") == tt.converged {
			t.Errorf("%s: the section does not say how the fit ended", tt.name)
		}
		if n := checkImages(t, html); n != 1 {
			t.Errorf("%s: %d images, want the trace", tt.name, n)
		}
	}
	if s, _ := fitSection(nil); s.Figure != nil || s.Note == "" {
		t.Errorf("another family: %+v, want a note and no figure", s)
	}
}
