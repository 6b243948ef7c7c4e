package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":   func(v float64) string { return fmtNum(v, 3) },
	"num2":  func(v float64) string { return fmtNum(v, 2) },
	"sci":   func(v float64) string { return fmt.Sprintf("%.2g", v) },
	"deref": func(b *bool) bool { return *b },
	"pct": func(v float64) string {
		if !isNum(v) {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*v)
	},
	"iv": func(iv Interval) string {
		if !isNum(iv.Low) {
			return fmtNum(iv.Value, 4)
		}
		return fmt.Sprintf("%s [%s, %s]", fmtNum(iv.Value, 4), fmtNum(iv.Low, 4), fmtNum(iv.High, 4))
	},
	"secs":    func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) },
	"sd":      func(v float64) string { return "± " + fmtNum(v, 2) },
	"outcome": func(c ZPDChart, o int) int { return c.Attempts[o] },
	"has":     isNum,
}).Parse(pageTemplate))

// Figures returns every figure of the report, in page order.
func (r *Report) Figures() []*Figure {
	var out []*Figure
	add := func(fs ...*Figure) {
		for _, f := range fs {
			if f != nil {
				out = append(out, f)
			}
		}
	}
	if s := r.Leaderboard; s != nil {
		add(s.AUCFigure)
		add(s.Calibration...)
		add(s.ROC...)
	}
	if r.Population != nil {
		add(r.Population.Figure)
	}
	if r.Fit != nil {
		add(r.Fit.Figure)
	}
	for _, c := range r.ZPD {
		add(c.Figure)
	}
	if r.Items != nil {
		add(r.Items.Figure)
	}
	if r.Rates != nil {
		add(r.Rates.Figure)
	}
	if r.Equity != nil {
		for _, c := range r.Equity.Columns {
			add(c.ROCFigure, c.ElasticityFigure)
		}
	}
	return out
}

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

// Total returns the wall time of all of Build's stages.
func (r *Report) Total() time.Duration {
	var t time.Duration
	for _, s := range r.Timings {
		t += s.Duration
	}
	return t
}
