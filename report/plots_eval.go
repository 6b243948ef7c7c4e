package report

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/models/evaluate"
)

// outcomeSet is one of the protocol's two prediction targets.
type outcomeSet struct {
	key, label string
	// pick returns the labels and predictions of one model for this target.
	pick func(lb *evaluate.Leaderboard, m evaluate.ModelScore) ([]bool, []float64)
}

var outcomeSets = []outcomeSet{
	{"independent", "success alone", func(lb *evaluate.Leaderboard, m evaluate.ModelScore) ([]bool, []float64) {
		y := make([]bool, len(lb.Test))
		p := make([]float64, len(lb.Test))
		for k, t := range lb.Test {
			y[k], p[k] = t.Independent, m.Predictions[k].Independent
		}
		return y, p
	}},
	{"supported", "success with support (failed alone)", func(lb *evaluate.Leaderboard, m evaluate.ModelScore) ([]bool, []float64) {
		var y []bool
		var p []float64
		for k, t := range lb.Test {
			if !t.Independent {
				y = append(y, t.Supported)
				p = append(p, m.Predictions[k].Supported)
			}
		}
		return y, p
	}},
}

// calibrationFigures draws, per outcome, one reliability panel per model
// (small multiples: six overlaid curves are unreadable), each bin's point
// labelled with its number of test attempts, so a wild point on a handful
// of attempts reads as such.
func calibrationFigures(lb *evaluate.Leaderboard) ([]*Figure, error) {
	const cols = 3
	var out []*Figure
	for _, set := range outcomeSets {
		n := len(lb.Models)
		if n == 0 {
			continue
		}
		rows := (n + cols - 1) / cols
		plots := make([][]*plot.Plot, rows)
		for r := range plots {
			plots[r] = make([]*plot.Plot, cols)
		}
		for i, m := range lb.Models {
			y, pr := set.pick(lb, m)
			title := fmt.Sprintf("%s (ECE %s)", m.Name, fmtNum(evaluate.ECE(y, pr, evaluate.ECEBins), 3))
			xLabel, yLabel := "", ""
			if i/cols == rows-1 || i+cols >= n {
				xLabel = "mean prediction"
			}
			if i%cols == 0 {
				yLabel = "observed rate"
			}
			p := newPlot(title, xLabel, yLabel)
			p.Title.TextStyle.Font.Size = vg.Points(11)
			unitSquare(p)
			p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
			p.Add(diagonal())
			var xys plotter.XYs
			var counts []string
			for _, b := range Reliability(y, pr, evaluate.ECEBins) {
				xys = append(xys, plotter.XY{X: b.MeanPredicted, Y: b.Observed})
				counts = append(counts, fmt.Sprint(b.N))
			}
			if len(xys) > 0 {
				l, sc := lineWithPoints(xys, i)
				p.Add(l, sc)
				if labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: counts}); err == nil {
					for k := range labels.TextStyle {
						labels.TextStyle[k].Font.Size = vg.Points(7.5)
						labels.TextStyle[k].Color = grey
					}
					labels.Offset = vg.Point{X: vg.Points(4), Y: -vg.Points(10)}
					p.Add(labels)
				}
			}
			plots[i/cols][i%cols] = p
		}
		w := 7.5 * vg.Inch
		h := vg.Length(rows) * 2.6 * vg.Inch
		f, err := render("reliability_"+set.key, "Reliability: "+set.label,
			fmt.Sprintf("Reliability of P(%s), one panel per model: test attempts binned by predicted probability (%d equal-width bins, empty bins left out); "+
				"each point is a bin's mean prediction against its observed rate, labelled with the bin's number of attempts; dashed: perfect calibration.",
				set.label, evaluate.ECEBins),
			w, h, func(dc draw.Canvas) {
				dc = margins(dc)
				tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(10), PadY: vg.Points(10)}
				canvases := plot.Align(plots, tiles, dc)
				for r := range plots {
					for c, p := range plots[r] {
						if p != nil {
							p.Draw(canvases[r][c])
						}
					}
				}
			})
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// readableTicks labels an axis at round steps (1, 2 or 5 × 10^k) chosen
// so that 4 to 10 labels span it: gonum's default labels as few as
// two ticks on a narrow range such as AUCs between .6 and .8.
type readableTicks struct{}

// Ticks implements plot.Ticker.
func (readableTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	// The largest round step that still puts at least 4 labels on the
	// axis; successive steps differ by at most 2.5×, so at most 10.
	var step float64
	for e := math.Ceil(math.Log10(hi - lo)); step == 0; e-- {
		for _, m := range []float64{5, 2, 1} {
			if st := m * math.Pow(10, e); (hi-lo)/st >= 4 {
				step = st
				break
			}
		}
	}
	prec := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k*step + 0 // + 0 turns -0 into 0
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
	}
	return ticks
}

// unitTicks marks a probability axis every 0.2, labelled.
var unitTicks = plot.ConstantTicks([]plot.Tick{
	{Value: 0, Label: "0"}, {Value: 0.2, Label: "0.2"}, {Value: 0.4, Label: "0.4"},
	{Value: 0.6, Label: "0.6"}, {Value: 0.8, Label: "0.8"}, {Value: 1, Label: "1"},
})

func rocFigures(lb *evaluate.Leaderboard) ([]*Figure, error) {
	var out []*Figure
	for _, set := range outcomeSets {
		p := newPlot("ROC: "+set.label, "false-positive rate", "true-positive rate")
		unitSquare(p)
		p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
		p.Add(diagonal())
		for i, m := range lb.Models {
			y, pr := set.pick(lb, m)
			xys := rocXYs(y, pr)
			if xys == nil {
				continue
			}
			l := line(xys, colorN(i), 1.5)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (AUC %s)", m.Name, fmtNum(evaluate.AUC(y, pr), 3)), l)
		}
		// Full width with the legend beside the square plot, never over
		// the curves.
		f, err := renderWithSideLegend("roc_"+set.key, "ROC: "+set.label, "ROC curves over the test attempts; dashed: chance.", p, 7.5*vg.Inch, 5*vg.Inch, 2.4*vg.Inch)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// lineWithPoints draws xys as a line with a marker at each point in the
// i-th colour and glyph.
func lineWithPoints(xys plotter.XYs, i int) (*plotter.Line, *plotter.Scatter) {
	l := line(xys, colorN(i), 1.5)
	s, _ := plotter.NewScatter(xys)
	s.GlyphStyle = draw.GlyphStyle{Color: colorN(i), Radius: vg.Points(2.8), Shape: glyphN(i)}
	return l, s
}

func glyphN(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
	return shapes[i%len(shapes)]
}

// aucFigure plots each model's two AUCs with their bootstrap intervals.
func aucFigure(scores []ScoreIntervals) (*Figure, error) {
	p := newPlot("AUC with 95% bootstrap intervals", "AUC", "")
	names := make([]string, len(scores))
	for i, s := range scores {
		names[i] = s.Name
	}
	sets := []struct {
		label string
		get   func(ScoreIntervals) Interval
		off   float64
	}{
		{"success alone", func(s ScoreIntervals) Interval { return s.AUCInd }, 0.12},
		{"with support | failed alone", func(s ScoreIntervals) Interval { return s.AUCSup }, -0.12},
	}
	for k, set := range sets {
		var pts plotter.XYs
		for i, s := range scores {
			iv := set.get(s)
			y := float64(i) + set.off
			if !isNum(iv.Low) || !isNum(iv.Value) {
				continue
			}
			p.Add(line(plotter.XYs{{X: iv.Low, Y: y}, {X: iv.High, Y: y}}, colorN(k), 2))
			pts = append(pts, plotter.XY{X: iv.Value, Y: y})
		}
		if len(pts) == 0 {
			continue
		}
		sc, _ := plotter.NewScatter(pts)
		sc.GlyphStyle = draw.GlyphStyle{Color: colorN(k), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add(set.label, sc)
	}
	p.NominalY(names...)
	p.X.Tick.Marker = readableTicks{}
	lo, hi := 1.0, 0.0
	for _, s := range scores {
		for _, iv := range []Interval{s.AUCInd, s.AUCSup} {
			if isNum(iv.Low) {
				lo, hi = math.Min(lo, iv.Low), math.Max(hi, iv.High)
			}
		}
	}
	if lo < hi {
		pad := 0.05 * (hi - lo)
		p.X.Min, p.X.Max = lo-pad, hi+pad
	}
	// The best models sit at the top right; the top left is free.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(4), -vg.Points(2)
	p.Y.Min, p.Y.Max = -0.6, float64(len(scores))-0.4+0.5
	h := vg.Length(1.8+0.45*float64(len(scores))) * vg.Inch
	return renderPlot("leaderboard_auc", "AUC with 95% bootstrap intervals",
		"Dots: AUC on the test learners; bars: 95% percentile intervals over bootstrap resamples of test learners.",
		p, 7*vg.Inch, h)
}
