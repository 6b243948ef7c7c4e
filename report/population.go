package report

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/models/elasticity"
)

// PopulationSection describes the joint distribution of ability θ and
// elasticity ε: the model's population prior and, with a log, the learners'
// posterior modes.
type PopulationSection struct {
	Note string
	// Prior is the fitted population distribution of (θ, ε).
	PriorMean        [2]float64
	PriorSD          [2]float64
	PriorCorrelation float64
	// Learners counts the learners scored; the rest describe their
	// posterior modes (shrunk toward the prior for short histories).
	Learners    int
	Mean, SD    [2]float64
	Correlation float64
	Figure      *Figure
}

func populationSection(m *elasticity.Model, states []LearnerState) *PopulationSection {
	if m == nil {
		return &PopulationSection{Note: "Ability and elasticity are parameters of the elasticity model; this artifact's family does not have them."}
	}
	p := m.Params()
	s := &PopulationSection{
		PriorMean:        p.Mean,
		PriorSD:          [2]float64{math.Sqrt(p.Cov[0][0]), math.Sqrt(p.Cov[1][1])},
		PriorCorrelation: p.Cov[0][1] / math.Sqrt(p.Cov[0][0]*p.Cov[1][1]),
	}
	if len(states) == 0 {
		s.Note = "No attempt log given (--data): only the population prior is shown."
		return s
	}
	theta, eps := posteriorModes(states)
	s.Learners = len(states)
	s.Mean = [2]float64{stat.Mean(theta, nil), stat.Mean(eps, nil)}
	s.SD = [2]float64{stat.PopStdDev(theta, nil), stat.PopStdDev(eps, nil)}
	s.Correlation = stat.Correlation(theta, eps, nil)
	return s
}

func posteriorModes(states []LearnerState) (theta, eps []float64) {
	theta = make([]float64, len(states))
	eps = make([]float64, len(states))
	for i, st := range states {
		theta[i], eps[i] = st.Posterior.Ability.Value, st.Posterior.Elasticity.Value
	}
	return theta, eps
}

// jointFigure is the scatter of (θ, ε) posterior modes with marginal
// histograms; the chosen learners are labelled.
func jointFigure(states []LearnerState, chosen []Chosen) (*Figure, error) {
	theta, eps := posteriorModes(states)
	main := newPlot("", "ability θ (logits): Zone of Actual Development", "elasticity ε (logits)")
	pts := make(plotter.XYs, len(states))
	for i := range states {
		pts[i] = plotter.XY{X: theta[i], Y: eps[i]}
	}
	sc, _ := plotter.NewScatter(pts)
	sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(colorN(0), 110), Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
	main.Add(sc)
	main.Legend.Add(fmt.Sprintf("%d learners", len(states)), sc)
	if len(chosen) > 0 {
		var hp plotter.XYs
		var labels []string
		for _, c := range chosen {
			hp = append(hp, plotter.XY{X: c.State.Posterior.Ability.Value, Y: c.State.Posterior.Elasticity.Value})
			labels = append(labels, " "+shorten(c.State.ID, 16))
		}
		hs, _ := plotter.NewScatter(hp)
		hs.GlyphStyle = draw.GlyphStyle{Color: colorN(3), Radius: vg.Points(4), Shape: draw.RingGlyph{}}
		hs.GlyphStyle.Radius = vg.Points(5)
		main.Add(hs)
		main.Legend.Add("charted below", hs)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: hp, Labels: labels})
		if err == nil {
			for i := range lab.TextStyle {
				lab.TextStyle[i].Color = colorN(3)
				lab.TextStyle[i].XAlign = draw.XLeft
				lab.TextStyle[i].Font.Size = vg.Points(9)
			}
			lab.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
			main.Add(lab)
		}
	}
	top, err := marginal(theta, false)
	if err != nil {
		return nil, err
	}
	right, err := marginal(eps, true)
	if err != nil {
		return nil, err
	}
	const w, h = 7.2 * vg.Inch, 6.2 * vg.Inch
	title := "Ability and elasticity of every learner"
	return render("ability_elasticity", title,
		"Posterior modes of (θ, ε) per learner with the marginal histograms. Learners at the same ability (a vertical line) "+
			"can differ in how far support extends them. Short histories are shrunk toward the population mean.",
		w, h, func(dc draw.Canvas) {
			drawJoint(dc, main, top, right, title)
		})
}

// drawJoint lays out the scatter with the histograms above and to the right,
// aligned to the scatter's data area.
func drawJoint(dc draw.Canvas, main, top, right *plot.Plot, title string) {
	const margin = 0.2 // share of width and height given to each histogram
	W, H := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
	titleH := vg.Points(22)
	dc = margins(dc)
	mainC := draw.Crop(dc, 0, -margin*W, 0, -margin*H-titleH)
	leg := main.Legend
	main.Legend = plot.NewLegend() // drawn in the corner instead
	main.Draw(mainC)
	data := main.DataCanvas(mainC)
	top.X.Min, top.X.Max = main.X.Min, main.X.Max
	right.Y.Min, right.Y.Max = main.Y.Min, main.Y.Max
	topC := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: data.Min.X, Y: mainC.Max.Y + vg.Points(4)},
		Max: vg.Point{X: data.Max.X, Y: dc.Max.Y - titleH}}}
	rightC := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: mainC.Max.X + vg.Points(4), Y: data.Min.Y},
		Max: vg.Point{X: dc.Max.X - vg.Points(6), Y: data.Max.Y}}}
	top.Draw(topC)
	right.Draw(rightC)
	// The legend goes in the empty corner above the right histogram.
	corner := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: rightC.Min.X, Y: topC.Min.Y}, Max: vg.Point{X: dc.Max.X, Y: topC.Max.Y}}}
	leg.Top, leg.Left = true, true
	leg.XOffs, leg.YOffs = vg.Points(6), -vg.Points(6)
	leg.Draw(corner)
	sty := main.Title.TextStyle
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Points(4)}, title)
}

// marginal is a histogram of v without axes; sideways puts the bars along
// the y axis (for the histogram right of the scatter).
func marginal(v []float64, sideways bool) (*plot.Plot, error) {
	p := plot.New()
	p.HideAxes()
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if isNum(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if lo > hi {
		return p, nil
	}
	const bins = 30
	width := (hi - lo) / bins
	if width == 0 {
		width = 1
	}
	counts := make([]float64, bins)
	for _, x := range v {
		if isNum(x) {
			counts[min(int((x-lo)/width), bins-1)]++
		}
	}
	for i, c := range counts {
		if c == 0 {
			continue
		}
		a, b := lo+float64(i)*width, lo+float64(i+1)*width
		ring := plotter.XYs{{X: a, Y: 0}, {X: b, Y: 0}, {X: b, Y: c}, {X: a, Y: c}}
		if sideways {
			for k := range ring {
				ring[k].X, ring[k].Y = ring[k].Y, ring[k].X
			}
		}
		bar, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		bar.Color = withAlpha(colorN(0), 120)
		bar.LineStyle.Color = colorN(0)
		bar.LineStyle.Width = vg.Points(0.5)
		p.Add(bar)
	}
	return p, nil
}
