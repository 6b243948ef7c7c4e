package report

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/elasticity"
)

// ItemSection is the item map: item difficulties by skill.
type ItemSection struct {
	Note                 string
	Items, Skills        int
	DifficultyMean       float64
	DifficultySD         float64
	ItemSD, SupportSD    float64 // prior SDs of b_j and d_j around their skill means
	SkillsShown, Omitted int
	Figure               *Figure
}

// RateSection is the learning-rate table and figure.
type RateSection struct {
	Note     string
	Practice string  // "log1p" or "linear"
	Decay    float64 // recency decay λ
	Rates    []RateEstimate
	Figure   *Figure
}

// maxMapSkills bounds the skills drawn in the item map: the ones with most items.
const maxMapSkills = 30

func (b *builder) items() error {
	if b.m == nil {
		note := "Item difficulties and learning rates are parameters of the elasticity model; this artifact's family does not have them."
		b.r.Items, b.r.Rates = &ItemSection{Note: note}, &RateSection{Note: note}
		return nil
	}
	var err error
	if b.r.Items, err = itemSection(b.m); err != nil {
		return err
	}
	b.r.Rates, err = rateSection(b.m, b.in.Log)
	return err
}

func itemSection(m *elasticity.Model) (*ItemSection, error) {
	p := m.Params()
	s := &ItemSection{Items: len(p.Items), Skills: len(p.Skills), ItemSD: p.ItemSD, SupportSD: p.SupportSD,
		DifficultyMean: stat.Mean(p.Difficulty, nil), DifficultySD: stat.PopStdDev(p.Difficulty, nil)}
	if len(p.Items) == 0 {
		s.Note = "The model has no items."
		return s, nil
	}
	bySkill := make(map[int32][]float64)
	for j := range p.Items {
		sk := m.ItemSkills(int32(j))
		if len(sk) == 0 {
			bySkill[-1] = append(bySkill[-1], p.Difficulty[j])
		}
		for _, k := range sk {
			bySkill[k] = append(bySkill[k], p.Difficulty[j])
		}
	}
	type skillItems struct {
		name   string
		b      []float64
		median float64
	}
	var all []skillItems
	for k, b := range bySkill {
		name := "(no skill)"
		if k >= 0 {
			name = p.Skills[k]
		}
		sorted := append([]float64(nil), b...)
		sort.Float64s(sorted)
		all = append(all, skillItems{name, b, quantile(sorted, 0.5)})
	}
	// Most items first (ties by name, for a deterministic figure), then
	// the shown skills by median difficulty.
	sort.Slice(all, func(i, j int) bool {
		if len(all[i].b) != len(all[j].b) {
			return len(all[i].b) > len(all[j].b)
		}
		return all[i].name < all[j].name
	})
	if len(all) > maxMapSkills {
		s.Omitted = len(all) - maxMapSkills
		all = all[:maxMapSkills]
	}
	s.SkillsShown = len(all)
	sort.SliceStable(all, func(i, j int) bool { return all[i].median < all[j].median })
	plt := newPlot("Item map: difficulty by skill", "item difficulty b (logits)", "")
	names := make([]string, len(all))
	for i, sk := range all {
		names[i] = fmt.Sprintf("%s (%d)", shorten(sk.name, 34), len(sk.b))
		box, err := plotter.NewBoxPlot(vg.Points(9), float64(i), plotter.Values(sk.b))
		if err != nil {
			return nil, err
		}
		box.Horizontal = true
		box.FillColor = withAlpha(colorN(0), 70)
		box.GlyphStyle = draw.GlyphStyle{Color: withAlpha(colorN(0), 150), Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		plt.Add(box)
	}
	plt.NominalY(names...)
	plt.Y.Tick.Label.Font.Size = vg.Points(8.5)
	h := vg.Length(1.3+0.24*float64(len(all))) * vg.Inch
	title := "Item map: difficulty by skill"
	caption := "Box plots of the model's item difficulties b_j by skill (items with several skills count under each; in brackets: items). " +
		"Skills sorted by median difficulty"
	if s.Omitted > 0 {
		caption += fmt.Sprintf("; the %d skills with most items are shown, %d more are left out", len(all), s.Omitted)
	}

	f, err := renderPlot("item_map", title, caption+".", plt, 7.5*vg.Inch, h)
	s.Figure = f
	return s, err
}

func rateSection(m *elasticity.Model, log *datasets.Log) (*RateSection, error) {
	cfg := m.Params().Config
	s := &RateSection{Practice: cfg.Practice, Decay: cfg.RecencyDecay}
	s.Rates, s.Note = learningRates(m, log)
	if !cfg.Learning {
		return s, nil
	}
	p := newPlot("Learning rates by outcome of earlier practice", "rate γ (logits of ability per unit of the practice feature)", "")
	var names []string
	var pts plotter.XYs
	row := 0
	for _, r := range s.Rates {
		if !r.Used {
			continue
		}
		names = append(names, r.Feature+" · "+r.Outcome)
		y := float64(row)
		if isNum(r.Low) {
			p.Add(line(plotter.XYs{{X: r.Low, Y: y}, {X: r.High, Y: y}}, colorN(0), 2))
		}
		pts = append(pts, plotter.XY{X: r.Value, Y: y})
		row++
	}
	if len(pts) == 0 {
		return s, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range s.Rates {
		if r.Used {
			lo, hi = math.Min(lo, math.Min(r.Value, nanTo(r.Low, r.Value))), math.Max(hi, math.Max(r.Value, nanTo(r.High, r.Value)))
		}
	}
	p.Add(line(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(row) - 0.5}}, grey, 1, vg.Points(4), vg.Points(3)))
	sc, _ := plotter.NewScatter(pts)
	sc.GlyphStyle = draw.GlyphStyle{Color: colorN(0), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(row)-0.4
	pad := 0.1 * math.Max(hi-lo, 0.1)
	p.X.Min, p.X.Max = math.Min(lo, 0)-pad, math.Max(hi, 0)+pad
	f, err := renderPlot("learning_rates", "Learning rates by outcome of earlier practice",
		"Global rates γ_c: count features are f(n) of earlier attempts on the skill with that outcome; recency features weight "+
			"recent attempts more. Bars: 95% intervals where computed (see the note).",
		p, 7*vg.Inch, vg.Length(1.4+0.4*float64(row))*vg.Inch)
	s.Figure = f
	return s, err
}

func nanTo(v, alt float64) float64 {
	if isNum(v) {
		return v
	}
	return alt
}
