package policysim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// Output files in the --out directory.
const (
	SummaryFile  = "summary.json"
	MarkdownFile = "summary.md"
	HTMLFile     = "report.html"
)

// Write writes summary.json, summary.md and report.html to dir, each
// atomically.
func (s *Summary) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("policysim: %w", err)
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("policysim: %w", err)
	}
	var md, page bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil {
		return err
	}
	if err := s.WriteHTML(&page); err != nil {
		return err
	}
	for name, data := range map[string][]byte{SummaryFile: append(js, '\n'), MarkdownFile: md.Bytes(), HTMLFile: page.Bytes()} {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), data); err != nil {
			return fmt.Errorf("policysim: %w", err)
		}
	}
	return nil
}

// figure is one embedded PNG.
type figure struct {
	Title, Caption string
	URI            template.URL
}

// WriteHTML writes one self-contained page: the table, the gain-over-time
// curves and the gain by quartile of ε and of θ.
func (s *Summary) WriteHTML(w *bytes.Buffer) error {
	var md bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil {
		return err
	}
	curves, err := s.curveFigure()
	if err != nil {
		return err
	}
	eps, err := s.quartileFigure("by-elasticity", "Gain per step by quartile of elasticity ε",
		func(p *PolicySummary) []GroupGain { return p.ByElasticity })
	if err != nil {
		return err
	}
	theta, err := s.quartileFigure("by-theta", "Gain per step by quartile of starting ability θ",
		func(p *PolicySummary) []GroupGain { return p.ByTheta })
	if err != nil {
		return err
	}
	return htmlPage.Execute(w, map[string]any{"S": s, "Figures": []figure{curves, eps, theta}})
}

// palette is the report package's Okabe–Ito colour-blind-safe palette.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{213, 94, 0, 255}, color.RGBA{204, 121, 167, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255},
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = color.RGBA{200, 200, 200, 255}, color.RGBA{200, 200, 200, 255}
	p.Add(g)
	return p
}

// png renders p at the report's 96 dpi.
func png(p *plot.Plot, title, caption string) (figure, error) {
	c := vgimg.NewWith(vgimg.UseWH(7.5*vg.Inch, 4*vg.Inch), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.Crop(draw.New(c), vg.Points(6), -vg.Points(8), vg.Points(4), -vg.Points(8)))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return figure{}, fmt.Errorf("policysim: figure %s: %w", title, err)
	}
	return figure{Title: title, Caption: caption,
		URI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))}, nil
}

func (s *Summary) curveFigure() (figure, error) {
	p := newPlot("True ability gained over time", "step", "mean ability gained (logits)")
	p.Legend.Top, p.Legend.Left = true, true
	for i, ps := range s.Policies {
		xys := plotter.XYs{{X: 0, Y: 0}}
		for c, v := range ps.Curve {
			if !math.IsNaN(v) {
				xys = append(xys, plotter.XY{X: float64(s.Checkpoints[c]), Y: v})
			}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return figure{}, fmt.Errorf("policysim: curve %s: %w", ps.Name, err)
		}
		l.Color, l.Width = palette[i%len(palette)], vg.Points(2)
		p.Add(l)
		p.Legend.Add(ps.Name, l)
	}
	return png(p, "Gain over time", "Mean over learners of the true bank-average ability gained (logits), by step, for each policy facing the same learners and draws.")
}

func (s *Summary) quartileFigure(name, title string, groups func(*PolicySummary) []GroupGain) (figure, error) {
	p := newPlot(title, "quartile (1 lowest)", "gain per step ×1000")
	w := vg.Points(60 / float64(max(1, len(s.Policies))))
	p.Legend.Top = true
	top := 0.0
	for i := range s.Policies {
		ps := &s.Policies[i]
		vals := make(plotter.Values, 4)
		for q, g := range groups(ps) {
			vals[q] = 1000 * g.GainPerStep.Value
			if math.IsNaN(vals[q]) {
				vals[q] = 0
			}
			top = math.Max(top, vals[q])
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return figure{}, fmt.Errorf("policysim: %s %s: %w", name, ps.Name, err)
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(s.Policies)-1)/2)
		p.Add(b)
		p.Legend.Add(ps.Name, b)
	}
	p.NominalX("Q1", "Q2", "Q3", "Q4")
	// Headroom above the bars for the legend, which would hide them.
	p.Y.Min, p.Y.Max = 0, top*(1.15+0.07*float64(len(s.Policies)))
	return png(p, title, "Mean true ability gained per step in each population quartile; intervals are in the table.")
}

var htmlPage = template.Must(template.New("page").Funcs(template.FuncMap{
	"iv":  func(iv Interval, k float64) string { return fmtIv(iv, k, 2) },
	"iv3": func(iv Interval) string { return fmtIv(iv, 1, 3) },
	"pct": func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"f3":  func(v float64) string { return fmt.Sprintf("%.3f", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zpd policy simulation: {{.S.World}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1080px; margin: 0 auto; padding: 1.5em 2em 4em; background: #fff; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin-top: 2.2em; padding-top: 0.6em; border-top: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e4e4e4; text-align: right; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
.meta { color: #555; font-size: 0.92em; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; max-width: 760px; }
</style>
</head>
<body>
<main>
<h1>zpd policy simulation</h1>
<p class="meta">World <b>{{.S.World}}</b>{{if .S.Description}}: {{.S.Description}}{{end}}<br>
{{.S.Learners}} learners × {{.S.Steps}} steps, seed {{.S.Seed}}. Every policy faces the same learners and the same random draws;
intervals are 95% paired bootstrap intervals over learners ({{.S.Resamples}} Poisson resamples), differences against <b>{{.S.Baseline}}</b>.</p>
<h2>Results</h2>
<table>
<tr><th>policy</th><th>gain/step ×1000</th><th>vs {{.S.Baseline}}</th><th>gain/min ×1000</th><th>post-test</th><th>vs {{.S.Baseline}}</th><th>steps to mastery</th><th>in ZPD</th><th>beyond reach</th><th>mastered</th><th>checks</th></tr>
{{range .S.Policies}}<tr><td>{{.Name}}</td><td>{{iv .GainCI 1000}}</td><td>{{iv .GainVsBaseline 1000}}</td><td>{{iv .GainPerMinute 1000}}</td><td>{{f3 .PostTest}}</td><td>{{iv3 .PostTestVsBaseline}}</td><td>{{iv .StepsToMastery 1}} ({{pct .MasteredShare}})</td><td>{{pct .ShareZPD}}</td><td>{{pct .ShareBeyondReach}}</td><td>{{pct .ShareMastered}}</td><td>{{pct .ShareChecks}}</td></tr>
{{end}}</table>
{{range .Figures}}<figure><img src="{{.URI}}" alt="{{.Title}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}
<h2>By quartile</h2>
<table><tr><th>policy</th><th colspan="4">gain/step ×1000 by ε quartile (difference from {{.S.Baseline}})</th></tr>
{{range .S.Policies}}<tr><td>{{.Name}}</td>{{range .ByElasticity}}<td>{{iv .GainPerStep 1000}}<br>{{iv .VsBaseline 1000}}</td>{{end}}</tr>
{{end}}</table>
<table><tr><th>policy</th><th colspan="4">gain/step ×1000 by starting θ quartile (difference from {{.S.Baseline}})</th></tr>
{{range .S.Policies}}<tr><td>{{.Name}}</td>{{range .ByTheta}}<td>{{iv .GainPerStep 1000}}<br>{{iv .VsBaseline 1000}}</td>{{end}}</tr>
{{end}}</table>
<p class="meta">Definitions: docs/pathways.md.</p>
</main>
</body>
</html>
`))
