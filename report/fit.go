package report

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/models/elasticity"
)

// FitSection says how the elasticity fit ended: converged or not and why,
// and the trace of the objective and the population parameters.
type FitSection struct {
	Note string
	// Fit is the artifact's fit report; nil for artifacts written before
	// fits were traced.
	Fit *elasticity.FitReport
	// Warning is the plain sentence for an unconverged fit ("" otherwise).
	Warning string
	Figure  *Figure
}

func fitSection(m *elasticity.Model) (*FitSection, error) {
	if m == nil {
		return &FitSection{Note: "The fit trace belongs to the elasticity model; this artifact's family does not record one."}, nil
	}
	r := m.Params().Fit
	s := &FitSection{Fit: r, Warning: r.Warning()}
	if r == nil || len(r.Trace) == 0 {
		s.Note = "This artifact was written before zpd recorded how fits end: retrain it to see the trace."
		return s, nil
	}
	var err error
	s.Figure, err = fitTraceFigure(r)
	return s, err
}

// fitTraceFigure draws the objective per attempt (top) and the population
// parameters (bottom) against the iteration, so a reader sees both settle.
func fitTraceFigure(r *elasticity.FitReport) (*Figure, error) {
	obj := newPlot("", "", "objective per attempt")
	var pts plotter.XYs
	for _, tp := range r.Trace {
		if tp.Objective != nil {
			pts = append(pts, plotter.XY{X: float64(tp.Iteration), Y: *tp.Objective})
		}
	}
	if pts = finite(pts); len(pts) > 0 {
		l := line(pts, colorN(7), 1.4)
		sc, _ := plotter.NewScatter(pts)
		sc.GlyphStyle = draw.GlyphStyle{Color: colorN(7), Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		obj.Add(l, sc)
	}
	hyper := newPlot("", "iteration", "logits")
	series := []struct {
		name string
		get  func(h *elasticity.Hyper) float64
	}{
		{"mean θ (μ_θ)", func(h *elasticity.Hyper) float64 { return h.MeanAbility }},
		{"mean ε (μ_ε)", func(h *elasticity.Hyper) float64 { return h.MeanElasticity }},
		{"SD θ", func(h *elasticity.Hyper) float64 { return h.SDAbility }},
		{"SD ε", func(h *elasticity.Hyper) float64 { return h.SDElasticity }},
		{"item SD σ_b", func(h *elasticity.Hyper) float64 { return h.ItemSD }},
		{"support SD σ_d", func(h *elasticity.Hyper) float64 { return h.SupportSD }},
	}
	for i, s := range series {
		xy := make(plotter.XYs, 0, len(r.Trace))
		for _, tp := range r.Trace {
			xy = append(xy, plotter.XY{X: float64(tp.Iteration), Y: s.get(&tp.Hyper)})
		}
		if xy = finite(xy); len(xy) == 0 {
			continue
		}
		l := line(xy, colorN(i), 1.4)
		hyper.Add(l)
		hyper.Legend.Add(s.name, l)
	}
	obj.X.Min, obj.X.Max = hyper.X.Min, hyper.X.Max
	stop := r.Stop
	if r.Converged {
		stop = "converged"
	}
	caption := fmt.Sprintf("The fit's trace: %d iterations, %d passes over %d attempts; it stopped: %s "+
		"(gradient norm per attempt %.2g, last predicted decrease per attempt %.2g). "+
		"Top: the objective (negative log posterior per attempt, every 5th iteration and the last). "+
		"Bottom: the population parameters, which should be flat at the end. The objective includes the "+
		"prior, whose variances the fit re-estimates as it goes, so it need not fall at every step.",
		r.Iterations, r.Evaluations, r.Attempts, stop, r.GradientNorm, r.Decrease)
	const legendW = 1.6 * vg.Inch
	return render("fit-trace", "How the fit converged", caption, 7.5*vg.Inch, 5.5*vg.Inch, func(dc draw.Canvas) {
		dc = margins(dc)
		// The legend gets a column of its own so it never hides a line.
		leg := hyper.Legend
		hyper.Legend = plot.NewLegend()
		plots := [][]*plot.Plot{{obj}, {hyper}}
		tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(8)}
		canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, -legendW, 0, 0))
		obj.Draw(canvases[0][0])
		hyper.Draw(canvases[1][0])
		leg.Top, leg.Left, leg.XOffs, leg.YOffs = false, true, 0, vg.Points(40)
		leg.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-legendW+vg.Points(10), 0, 0, 0))
	})
}
