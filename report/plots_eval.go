package report

import (
	"fmt"
	"math"

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

func calibrationFigures(lb *evaluate.Leaderboard) ([]*Figure, error) {
	var out []*Figure
	for _, set := range outcomeSets {
		p := newPlot("Reliability: "+set.label, "mean predicted probability (bin)", "observed rate")
		unitSquare(p)
		p.Add(diagonal())
		p.Legend.Add("perfect calibration", diagonal())
		for i, m := range lb.Models {
			y, pr := set.pick(lb, m)
			var xys plotter.XYs
			for _, b := range Reliability(y, pr, evaluate.ECEBins) {
				xys = append(xys, plotter.XY{X: b.MeanPredicted, Y: b.Observed})
			}
			if len(xys) == 0 {
				continue
			}
			l, s := lineWithPoints(xys, i)
			p.Add(l, s)
			p.Legend.Add(fmt.Sprintf("%s (ECE %s)", m.Name, fmtNum(evaluate.ECE(y, pr, evaluate.ECEBins), 3)), l, s)
		}
		f, err := renderWithSideLegend("reliability_"+set.key, "Reliability: "+set.label,
			fmt.Sprintf("Test attempts binned by predicted probability (%d equal-width bins, empty bins left out); "+
				"each point is a bin's mean prediction against its observed rate.", evaluate.ECEBins),
			p, 7.5*vg.Inch, 5.2*vg.Inch, 2.4*vg.Inch)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func rocFigures(lb *evaluate.Leaderboard) ([]*Figure, error) {
	var out []*Figure
	for _, set := range outcomeSets {
		p := newPlot("ROC: "+set.label, "false-positive rate", "true-positive rate")
		unitSquare(p)
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
		p.Legend.Top = false // bottom right, under the curves
		p.Legend.YOffs = vg.Points(6)
		p.Legend.XOffs = -vg.Points(6)
		f, err := renderPlot("roc_"+set.key, "ROC: "+set.label, "ROC curves over the test attempts; dashed: chance.", p, 5.2*vg.Inch, 5*vg.Inch)
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
