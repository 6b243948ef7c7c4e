package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/evaluate"
)

// DefaultMinGroupLearners is the fewest test learners a group needs to be
// shown in the equity slices when Options.MinGroupLearners is zero: fewer
// make every metric noise.
const DefaultMinGroupLearners = 5

// SmallGroupLearners is the number of test learners below which a group's
// metrics carry a small-sample warning: their intervals are wide enough that
// a difference from other groups is rarely meaningful.
const SmallGroupLearners = 30

// maxGroups bounds the groups shown per column: the largest ones.
const maxGroups = 12

// missingGroup labels learners with no value in a group column.
const missingGroup = "(missing)"

// EquitySection holds the equity slices of every selected group column.
type EquitySection struct {
	Note    string
	Columns []EquityColumn
}

// EquityColumn is the slice analysis of one group column.
type EquityColumn struct {
	Name   string
	Note   string
	Models []string
	// Groups are the groups shown, largest first; Omitted counts the rest.
	Groups  []GroupResult
	Omitted int
	// Focus is the model whose per-group ROC curves are drawn.
	Focus      string
	ROCFigure  *Figure
	Elasticity []GroupElasticity
	// ElasticityFigure is nil without an elasticity model.
	ElasticityFigure *Figure
}

// GroupResult is one group's test learners and every model's metrics on them.
type GroupResult struct {
	Value              string
	Learners, Attempts int
	Metrics            []GroupMetrics // aligned with EquityColumn.Models
}

// Small reports whether the group has too few test learners for its
// metrics to be compared without their intervals (SmallGroupLearners).
func (g GroupResult) Small() bool { return g.Learners < SmallGroupLearners }

// SmallGroups counts the shown groups with a small-sample warning.
func (c EquityColumn) SmallGroups() int {
	n := 0
	for _, g := range c.Groups {
		if g.Small() {
			n++
		}
	}
	return n
}

// GroupMetrics are the protocol metrics on one group, and the ABROCA between
// the group's ROC curve and that of all other test learners.
type GroupMetrics struct {
	AUCInd, LogLossInd, ECEInd, AUCSup float64
	ABROCAInd, ABROCASup               float64
	// AUCIndInterval is AUCInd with its bootstrap interval over the
	// group's test learners.
	AUCIndInterval Interval
}

// GroupElasticity summarises the elasticity (and ability) posterior modes of
// a group's learners (all learners of the log, not only test learners).
type GroupElasticity struct {
	Value                    string
	Learners                 int
	Q1, Median, Q3, Mean, SD float64
	AbilityMean              float64
}

func (b *builder) equity() error {
	s := &EquitySection{}
	b.r.Equity = s
	log := b.in.Log
	switch {
	case log == nil:
		s.Note = "No attempt log given (--data): equity slices need one."
		return nil
	case len(log.GroupNames) == 0:
		s.Note = "The log has no group columns (group_*), so there is nothing to slice by."
		return nil
	}
	cols, err := selectGroupColumns(log.GroupNames, b.opts.GroupColumns)
	if err != nil {
		return err
	}
	// A column with at most one value (often one the importer knows but
	// this export left empty) has nothing to compare: one sentence for all
	// of them, not a heading and a note each.
	var single []string
	for _, g := range cols {
		if groupColumn(log.GroupNames[g], log.Groups[g]).Values < 2 {
			single = append(single, log.GroupNames[g])
			continue
		}
		c, err := b.equityColumn(g)
		if err != nil {
			return err
		}
		s.Columns = append(s.Columns, c)
	}
	if len(single) > 0 {
		s.Note = fmt.Sprintf("Left out: %s, with at most one value in this log, so nothing to compare.", strings.Join(single, ", "))
	}
	return nil
}

// selectGroupColumns returns the indexes of the wanted columns (with or
// without the group_ prefix), or all of them when wanted is empty.
func selectGroupColumns(names, wanted []string) ([]int, error) {
	if len(wanted) == 0 {
		out := make([]int, len(names))
		for g := range names {
			out[g] = g
		}
		return out, nil
	}
	var out []int
	for _, w := range wanted {
		if !strings.HasPrefix(w, datasets.GroupPrefix) {
			w = datasets.GroupPrefix + w
		}
		g := -1
		for i, n := range names {
			if n == w {
				g = i
			}
		}
		if g < 0 {
			return nil, fmt.Errorf("group column %q is not in the log (it has %s)", w, strings.Join(names, ", "))
		}
		out = append(out, g)
	}
	return out, nil
}

// learnerGroups returns each learner's value of group column g: the value
// on their first attempt.
func learnerGroups(log *datasets.Log, g int) map[string]string {
	out := make(map[string]string, log.Learners.Len())
	for u, rows := range log.Histories() {
		if len(rows) > 0 {
			v := log.Groups[g][rows[0]]
			if v == "" {
				v = missingGroup
			}
			out[log.Learners.ID(int32(u))] = v
		}
	}
	return out
}

func (b *builder) equityColumn(g int) (EquityColumn, error) {
	log := b.in.Log
	c := EquityColumn{Name: log.GroupNames[g]}
	groupOf := learnerGroups(log, g)
	if b.lb == nil {
		c.Note = "No evaluation, so no per-group metrics."
	} else {
		b.groupMetrics(&c, groupOf)
	}
	if len(b.states) > 0 {
		c.Elasticity = groupElasticity(b.states, g, c.shownValues())
		f, err := elasticityByGroupFigure(c.Name, c.Elasticity, b.states, g)
		if err != nil {
			return c, err
		}
		c.ElasticityFigure = f
	}
	return c, nil
}

// shownValues are the groups of the metrics table, or nil for all groups.
func (c *EquityColumn) shownValues() []string {
	if len(c.Groups) == 0 {
		return nil
	}
	var v []string
	for _, g := range c.Groups {
		v = append(v, g.Value)
	}
	return v
}

// groupMetrics fills the per-group metrics and ABROCA of every model.
func (b *builder) groupMetrics(c *EquityColumn, groupOf map[string]string) {
	lb := b.lb
	learners := map[string]map[string]bool{}
	attempts := map[string]int{}
	inGroup := make([]string, len(lb.Test))
	for k, t := range lb.Test {
		v := groupOf[t.Learner]
		inGroup[k] = v
		if learners[v] == nil {
			learners[v] = map[string]bool{}
		}
		learners[v][t.Learner] = true
		attempts[v]++
	}
	var values []string
	for v, ls := range learners {
		if len(ls) >= b.opts.MinGroupLearners {
			values = append(values, v)
		} else {
			c.Omitted++
		}
	}
	sort.Slice(values, func(i, j int) bool {
		if len(learners[values[i]]) != len(learners[values[j]]) {
			return len(learners[values[i]]) > len(learners[values[j]])
		}
		return values[i] < values[j]
	})
	if len(values) > maxGroups {
		c.Omitted += len(values) - maxGroups
		values = values[:maxGroups]
	}
	if len(values) < 2 {
		c.Note = fmt.Sprintf("Fewer than two groups have at least %d test learners: no comparison.", b.opts.MinGroupLearners)
		return
	}
	for _, m := range lb.Models {
		c.Models = append(c.Models, m.Name)
	}
	for _, v := range values {
		gr := GroupResult{Value: v, Learners: len(learners[v]), Attempts: attempts[v]}
		for _, m := range lb.Models {
			in := func(k int) bool { return inGroup[k] == v }
			gm := sliceMetrics(lb, m, in)
			gm.AUCIndInterval = groupAUCInterval(lb, m, in, b.opts.Resamples, uint64(b.opts.Seed))
			gr.Metrics = append(gr.Metrics, gm)
		}
		c.Groups = append(c.Groups, gr)
	}
	c.Focus = b.focusModel()
	if f, err := groupROCFigure(c, lb, inGroup); err == nil {
		c.ROCFigure = f
	}
}

// focusModel is the artifact's family when it was evaluated, else the model
// with the best AUC of success alone.
func (b *builder) focusModel() string {
	own := b.in.Artifact.Model.Family()
	best, bestAUC := "", math.Inf(-1)
	for _, m := range b.lb.Models {
		if m.Name == own {
			return own
		}
		if m.AUCInd > bestAUC {
			best, bestAUC = m.Name, m.AUCInd
		}
	}
	return best
}

// sliceMetrics scores m on the test attempts where in is true, and the
// ABROCA against the other test attempts.
func sliceMetrics(lb *evaluate.Leaderboard, m evaluate.ModelScore, in func(k int) bool) GroupMetrics {
	var yI, yIo, yS, ySo []bool
	var pI, pIo, pS, pSo []float64
	for k, t := range lb.Test {
		pr := m.Predictions[k]
		if in(k) {
			yI, pI = append(yI, t.Independent), append(pI, pr.Independent)
			if !t.Independent {
				yS, pS = append(yS, t.Supported), append(pS, pr.Supported)
			}
			continue
		}
		yIo, pIo = append(yIo, t.Independent), append(pIo, pr.Independent)
		if !t.Independent {
			ySo, pSo = append(ySo, t.Supported), append(pSo, pr.Supported)
		}
	}
	return GroupMetrics{
		AUCInd:     evaluate.AUC(yI, pI),
		LogLossInd: evaluate.LogLoss(yI, pI),
		ECEInd:     evaluate.ECE(yI, pI, evaluate.ECEBins),
		AUCSup:     evaluate.AUC(yS, pS),
		ABROCAInd:  ABROCA(ROC(yI, pI), ROC(yIo, pIo)),
		ABROCASup:  ABROCA(ROC(yS, pS), ROC(ySo, pSo)),
	}
}

// groupAUCInterval bootstraps m's AUC of success alone over the test
// learners of one group, resampling learners as the leaderboard does.
func groupAUCInterval(lb *evaluate.Leaderboard, m evaluate.ModelScore, in func(k int) bool, resamples int, seed uint64) Interval {
	var y []bool
	var p []float64
	var cluster []int
	n := 0
	for k, t := range lb.Test {
		if !in(k) {
			continue
		}
		if len(cluster) == 0 || t.Learner != lb.Test[k-1].Learner || !in(k-1) {
			n++
		}
		y, p, cluster = append(y, t.Independent), append(p, m.Predictions[k].Independent), append(cluster, n-1)
	}
	r := newRanked(y, p)
	w := make([]float64, len(y))
	return Bootstrap(n, resamples, seed, func(cw []float64) float64 {
		for i, c := range cluster {
			w[i] = cw[c]
		}
		return r.auc(w)
	})
}

// groupROCFigure draws the focus model's ROC curve of success alone for
// each shown group.
func groupROCFigure(c *EquityColumn, lb *evaluate.Leaderboard, inGroup []string) (*Figure, error) {
	var m evaluate.ModelScore
	mi := 0
	for i, s := range lb.Models {
		if s.Name == c.Focus {
			m, mi = s, i
		}
	}
	title := fmt.Sprintf("ROC of success alone by %s (%s)", c.Name, c.Focus)
	p := newPlot(title, "false-positive rate", "true-positive rate")
	unitSquare(p)
	p.Add(diagonal())
	for gi, g := range c.Groups {
		var y []bool
		var pr []float64
		for k, t := range lb.Test {
			if inGroup[k] == g.Value {
				y, pr = append(y, t.Independent), append(pr, m.Predictions[k].Independent)
			}
		}
		xys := rocXYs(y, pr)
		if xys == nil {
			continue
		}
		l := line(xys, colorN(gi), 1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (ABROCA vs rest %s)", shorten(g.Value, 20), fmtNum(g.Metrics[mi].ABROCAInd, 3)), l)
	}
	p.Legend.Top = false
	p.Legend.YOffs, p.Legend.XOffs = vg.Points(6), -vg.Points(6)
	return renderPlot("equity_roc_"+slug(c.Name), title,
		"Per-group ROC curves of the focus model on the test learners; ABROCA is the area between a group's curve and the curve of all other test learners.",
		p, 6*vg.Inch, 5.4*vg.Inch)
}

// groupElasticity summarises ε per group for the shown values (all groups
// when shown is nil, largest first, at most maxGroups).
func groupElasticity(states []LearnerState, g int, shown []string) []GroupElasticity {
	eps := map[string][]float64{}
	theta := map[string][]float64{}
	for _, st := range states {
		v := st.Groups[g]
		if v == "" {
			v = missingGroup
		}
		eps[v] = append(eps[v], st.Posterior.Elasticity.Value)
		theta[v] = append(theta[v], st.Posterior.Ability.Value)
	}
	if shown == nil {
		for v := range eps {
			shown = append(shown, v)
		}
		sort.Slice(shown, func(i, j int) bool {
			if len(eps[shown[i]]) != len(eps[shown[j]]) {
				return len(eps[shown[i]]) > len(eps[shown[j]])
			}
			return shown[i] < shown[j]
		})
		if len(shown) > maxGroups {
			shown = shown[:maxGroups]
		}
	}
	var out []GroupElasticity
	for _, v := range shown {
		e := append([]float64(nil), eps[v]...)
		if len(e) == 0 {
			continue
		}
		sort.Float64s(e)
		var sum, sq, th float64
		for i, x := range e {
			sum += x
			sq += x * x
			th += theta[v][i]
		}
		n := float64(len(e))
		out = append(out, GroupElasticity{
			Value: v, Learners: len(e),
			Q1: quantile(e, 0.25), Median: quantile(e, 0.5), Q3: quantile(e, 0.75),
			Mean: sum / n, SD: math.Sqrt(math.Max(sq/n-(sum/n)*(sum/n), 0)), AbilityMean: th / n,
		})
	}
	return out
}

// elasticityByGroupFigure draws box plots of ε per group.
func elasticityByGroupFigure(col string, groups []GroupElasticity, states []LearnerState, g int) (*Figure, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	idx := map[string]int{}
	names := make([]string, len(groups))
	for i, gr := range groups {
		idx[gr.Value] = i
		names[i] = fmt.Sprintf("%s (%d)", shorten(gr.Value, 24), gr.Learners)
	}
	vals := make([]plotter.Values, len(groups))
	for _, st := range states {
		v := st.Groups[g]
		if v == "" {
			v = missingGroup
		}
		if i, ok := idx[v]; ok {
			vals[i] = append(vals[i], st.Posterior.Elasticity.Value)
		}
	}
	title := "Elasticity by " + col
	p := newPlot(title, "elasticity ε (logits)", "")
	for i, v := range vals {
		box, err := plotter.NewBoxPlot(vg.Points(12), float64(i), v)
		if err != nil {
			return nil, err
		}
		box.Horizontal = true
		box.FillColor = withAlpha(colorN(1), 80)
		box.GlyphStyle = draw.GlyphStyle{Color: withAlpha(colorN(1), 160), Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		p.Add(box)
	}
	p.NominalY(names...)
	return renderPlot("equity_elasticity_"+slug(col), title,
		"Posterior modes of ε of every learner in the log by group (in brackets: learners).",
		p, 7*vg.Inch, vg.Length(1.3+0.35*float64(len(groups)))*vg.Inch)
}
