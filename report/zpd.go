package report

import (
	"fmt"
	"github.com/zpd-project/zpd/internal/numeric"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/models/elasticity"
)

// ZPDChart is one learner's zone of proximal development on the item
// difficulty scale.
type ZPDChart struct {
	Learner string
	Why     string
	// Attempts counts the learner's attempts by outcome (elasticity.Outcome order).
	Attempts  [3]int
	Posterior elasticity.Posterior
	Figure    *Figure
}

// Total is the number of attempts charted.
func (c ZPDChart) Total() int { return c.Attempts[0] + c.Attempts[1] + c.Attempts[2] }

func (b *builder) zpd() error {
	switch {
	case b.m == nil:
		b.r.ZPDNote = "ZPD charts need an elasticity model."
		if len(b.opts.Learners) > 0 {
			b.r.ZPDNote += " The requested learners are not charted."
		}
		return nil
	case b.in.Log == nil:
		b.r.ZPDNote = "No attempt log given (--data): the chart shows a new learner at the population prior."
		prior := elasticity.NewScorer(b.m).Score(&elasticity.History{})
		c, err := zpdChart(b.m, Chosen{State: LearnerState{ID: "new learner (prior)", Posterior: prior}, Why: "population prior"}, 0)
		if err != nil {
			return err
		}
		b.r.ZPD = append(b.r.ZPD, c)
		return nil
	}
	if len(b.chosen) == 0 {
		b.r.ZPDNote = "No learner to chart."
	}
	for i, ch := range b.chosen {
		c, err := zpdChart(b.m, ch, i)
		if err != nil {
			return err
		}
		b.r.ZPD = append(b.r.ZPD, c)
	}
	return nil
}

// Rows of the attempt marks under the curves, by outcome.
var markRows = [3]struct {
	y     float64
	label string
}{
	elasticity.IndependentSuccess: {-0.09, "correct alone"},
	elasticity.SupportedSuccess:   {-0.19, "with support"},
	elasticity.Failed:             {-0.29, "failed"},
}

func zpdChart(m *elasticity.Model, ch Chosen, i int) (ZPDChart, error) {
	st := ch.State
	post := st.Posterior
	c := ZPDChart{Learner: st.ID, Why: ch.Why, Posterior: post}
	theta, eps := post.Ability.Value, post.Elasticity.Value
	lo, hi := math.Min(post.ZADEdge.Value, post.PointOfDifficulty.Value), math.Max(post.ZADEdge.Value, post.PointOfDifficulty.Value)
	for _, mk := range st.Marks {
		lo, hi = math.Min(lo, mk.Difficulty), math.Max(hi, mk.Difficulty)
		c.Attempts[mk.Outcome]++
	}
	lo, hi = lo-1.5, hi+1.5
	title := fmt.Sprintf("Learner %s: θ = %.2f ± %.2f, ε = %.2f ± %.2f", shorten(st.ID, 24), theta, post.Ability.SD, eps, post.Elasticity.SD)
	p := newPlot(title, "item difficulty b (logits)", "probability")
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, -0.36, 1.02
	band, _ := plotter.NewPolygon(plotter.XYs{{X: post.ZPD.Low, Y: 0}, {X: post.ZPD.High, Y: 0}, {X: post.ZPD.High, Y: 1}, {X: post.ZPD.Low, Y: 1}})
	band.LineStyle.Width = 0
	// Support that does not lift success (ε ≤ 0) opens no zone: the span
	// between the two edges is then drawn grey, never as the green ZPD (the
	// rule the server and batch follow: Posterior.SupportHelps).
	hasZPD := post.SupportHelps() && post.ZPD.High > post.ZPD.Low
	if hasZPD {
		band.Color = color3(200, 235, 200)
		p.Legend.Add(fmt.Sprintf("ZPD (width %.2f)", post.ZPDWidth.Value), band)
	} else {
		band.Color = color3(225, 225, 225)
		p.Legend.Add(fmt.Sprintf("no ZPD: support does not help (ε = %.2f ≤ 0)", eps), band)
	}
	p.Add(band)
	cfg := m.Params().Config
	for _, th := range []struct {
		y     float64
		label string
	}{{cfg.Mastery, "mastery"}, {cfg.Reach, "reach"}} {
		p.Add(line(plotter.XYs{{X: lo, Y: th.y}, {X: hi, Y: th.y}}, grey, 0.8, vg.Points(2), vg.Points(3)))
	}
	alone := curve(lo, hi, func(b float64) float64 { return numeric.Sigmoid(theta - b) }, colorN(0))
	sup := curve(lo, hi, func(b float64) float64 { return numeric.Sigmoid(theta + eps - b) }, colorN(1))
	p.Add(alone, sup)
	p.Legend.Add("P(correct alone)", alone)
	p.Legend.Add("P(correct with support)", sup)
	zad := line(plotter.XYs{{X: post.ZADEdge.Value, Y: 0}, {X: post.ZADEdge.Value, Y: 1}}, colorN(0), 1.2, vg.Points(5), vg.Points(3))
	pod := line(plotter.XYs{{X: post.PointOfDifficulty.Value, Y: 0}, {X: post.PointOfDifficulty.Value, Y: 1}}, colorN(1), 1.2, vg.Points(5), vg.Points(3))
	p.Add(zad, pod)
	p.Legend.Add(fmt.Sprintf("ZAD edge: b = %.2f", post.ZADEdge.Value), zad)
	p.Legend.Add("point of difficulty:", pod)
	p.Legend.Add(fmt.Sprintf("    b = %.2f", post.PointOfDifficulty.Value))
	if err := addMarks(p, st.Marks); err != nil {
		return c, err
	}
	ticks := []plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}}
	if len(st.Marks) > 0 {
		for _, r := range markRows {
			ticks = append(ticks, plot.Tick{Value: r.y, Label: r.label})
		}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	shade := fmt.Sprintf("shaded: the ZPD, from the ZAD edge (P alone = mastery %.2f) to the point of difficulty (P with support = reach %.2f)", cfg.Mastery, cfg.Reach)
	if !hasZPD {
		shade = fmt.Sprintf("this learner's estimated elasticity is negative (ε = %.2f ± %.2f): support lowers their success, so there is no ZPD; "+
			"grey spans the ZAD edge (P alone = mastery %.2f) and the point of difficulty (P with support = reach %.2f)", eps, post.Elasticity.SD, cfg.Mastery, cfg.Reach)
	}
	caption := fmt.Sprintf("%s. Curves at the posterior mode for an item with no item-specific support effect on an unpractised skill "+
		"(with support: success after failing alone); %s. Marks: the learner's %d attempts at their items' difficulties.", ch.Why, shade, len(st.Marks))
	f, err := renderWithSideLegend("zpd_"+slug(st.ID), title, caption, p, 8.2*vg.Inch, 5*vg.Inch, 2*vg.Inch)
	c.Figure = f
	return c, err
}

// curve samples f on [lo, hi].
func curve(lo, hi float64, f func(float64) float64, c colorT) *plotter.Line {
	const n = 200
	xys := make(plotter.XYs, n+1)
	for k := range xys {
		x := lo + (hi-lo)*float64(k)/n
		xys[k] = plotter.XY{X: x, Y: f(x)}
	}
	return line(xys, c, 2)
}

// addMarks draws one rug row of attempts per outcome.
func addMarks(p *plot.Plot, marks []AttemptMark) error {
	styles := [3]draw.GlyphStyle{
		elasticity.IndependentSuccess: {Color: withAlpha(colorN(2), 170), Radius: vg.Points(3), Shape: draw.CircleGlyph{}},
		elasticity.SupportedSuccess:   {Color: withAlpha(colorN(1), 190), Radius: vg.Points(3.2), Shape: draw.TriangleGlyph{}},
		elasticity.Failed:             {Color: withAlpha(colorN(3), 190), Radius: vg.Points(3), Shape: draw.CrossGlyph{}},
	}
	var rows [3]plotter.XYs
	for _, mk := range marks {
		rows[mk.Outcome] = append(rows[mk.Outcome], plotter.XY{X: mk.Difficulty, Y: markRows[mk.Outcome].y})
	}
	for o, xys := range rows {
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.GlyphStyle = styles[o]
		p.Add(s)
	}
	return nil
}
