package report

import (
	"bytes"
	"context"
	"encoding/base64"
	htmlpkg "html"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/protocol"
)

// quickElasticity keeps test fits short: the report, not the fit, is tested.
var quickElasticity = map[string]any{"max_iterations": 30}

// excerpt is the ASSISTments 2009 excerpt imported with the project's
// importer, written to Parquet and read back as zpd report reads a log,
// with an elasticity model fitted on it and saved as an artifact.
type excerpt struct {
	log      *datasets.Log
	val      *datasets.ValidationReport
	path     string
	art      *artifact.Artifact
	modelDir string
	sum      datasets.ImportSummary
}

var excerptOnce = sync.OnceValues(func() (*excerpt, error) {
	src, err := shareddata.Path(shareddata.Assistments2009)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "zpd-report-test-")
	if err != nil {
		return nil, err
	}
	e := &excerpt{path: filepath.Join(dir, "as2009.parquet"), modelDir: filepath.Join(dir, "model")}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	imp := assistments.New2009()
	w, err := datasets.Create(e.path, datasets.WriteOptions{Groups: imp.Groups()})
	if err != nil {
		return nil, err
	}
	if e.sum, err = imp.Import(context.Background(), f, src, w.Write); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if e.log, e.val, err = datasets.ReadLogReport(e.path, datasets.ReadOptions{}); err != nil {
		return nil, err
	}
	e.art, err = fitArtifact(e.log, e.modelDir)
	return e, err
})

func loadExcerpt(t *testing.T) *excerpt {
	t.Helper()
	e, err := excerptOnce()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {}) // the temp dir is shared by the package's tests
	return e
}

func TestMain(m *testing.M) {
	code := m.Run()
	if e, err := excerptOnce(); err == nil && e != nil {
		os.RemoveAll(filepath.Dir(e.path))
	}
	os.Exit(code)
}

// fitArtifact fits a quick elasticity model on log, saves it in dir and
// loads it back as zpd report does.
func fitArtifact(log *datasets.Log, dir string) (*artifact.Artifact, error) {
	m, err := elasticity.Family{}.Fit(context.Background(), log, models.FitOptions{Seed: 1, Params: quickElasticity})
	if err != nil {
		return nil, err
	}
	md := artifact.Metadata{Counts: artifact.Counts{Attempts: log.Len(), Learners: log.Learners.Len(), Items: log.Items.Len(), Skills: log.SkillIDs.Len()},
		Config: map[string]any{"family": elasticity.Name, "params": map[string]any{elasticity.Name: quickElasticity}}}
	if err := artifact.Save(dir, m, md, "test model\n"); err != nil {
		return nil, err
	}
	return artifact.Load(dir, catalog.Lookup)
}

// quickOptions evaluate a fast baseline and the elasticity model.
func quickOptions() Options {
	return Options{Families: []string{"itemmean", elasticity.Name}, Seed: 1, Resamples: 50}
}

// imgSrc matches an embedded figure; html/template writes "+" as "&#43;".
var imgSrc = regexp.MustCompile(`<img src="data:image/png;base64,((?:[A-Za-z0-9/=]|&#43;)+)" width="(\d+)" height="(\d+)"`)

// checkImages decodes every embedded image and returns how many there are.
func checkImages(t *testing.T, html string) int {
	t.Helper()
	matches := imgSrc.FindAllStringSubmatch(html, -1)
	if n := strings.Count(html, "<img"); n != len(matches) {
		t.Errorf("%d img elements, %d with an embedded PNG data URI", n, len(matches))
	}
	for _, m := range matches {
		raw, err := base64.StdEncoding.DecodeString(htmlpkg.UnescapeString(m[1]))
		if err != nil {
			t.Errorf("image data URI: %v", err)
			continue
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("embedded image is not a PNG: %v", err)
			continue
		}
		b := img.Bounds()
		if b.Dx() < 300 || b.Dy() < 200 || b.Dx() > 2000 || b.Dy() > 3000 {
			t.Errorf("image %dx%d: not a sensible figure size", b.Dx(), b.Dy())
		}
		if m[2] != strconv.Itoa(b.Dx()) || m[3] != strconv.Itoa(b.Dy()) {
			t.Errorf("img says %sx%s, PNG is %dx%d", m[2], m[3], b.Dx(), b.Dy())
		}
	}
	return len(matches)
}

func TestReportOnExcerpt(t *testing.T) {
	e := loadExcerpt(t)
	sum := e.sum
	in := Input{Artifact: e.art, ModelDir: e.modelDir, Log: e.log, DataPath: e.path, Validation: e.val, Import: &sum}
	r, err := Build(context.Background(), in, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`id="leaderboard"`, `id="calibration"`, `id="population"`, `id="zpd"`, `id="items"`, `id="rates"`, `id="data"`, `id="equity"`, `id="methods"`,
		"<td>itemmean</td>", "<td>elasticity</td>", // leaderboard rows
		"Reliability: success alone", "ROC: success with support", "Ability and elasticity of every learner",
		"Item map: difficulty by skill", "Learning rates by outcome", "Support usage", "retries after feedback",
		"attempts written",                                                           // import summary
		`id="fit"`, "paired bootstrap interval", "<td>auc_sup</td><td>itemmean</td>", // fit trace, differences
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := checkImages(t, html); n != len(r.Figures()) || n < 9 {
		t.Errorf("%d images embedded, %d figures (want at least 9: AUC, 2 reliability, 2 ROC, joint, ZPD, items, rates)", n, len(r.Figures()))
	}
	// The leaderboard: two families, intervals bracketing their estimates.
	if s := r.Leaderboard; len(s.Scores) != 2 || s.Board.TestLearners == 0 {
		t.Fatalf("leaderboard %+v", s)
	}
	for _, s := range r.Leaderboard.Scores {
		for _, iv := range []Interval{s.AUCInd, s.LogLossInd, s.AUCSup} {
			if !(iv.Low <= iv.Value && iv.Value <= iv.High) || iv.Resamples != 50 {
				t.Errorf("%s: interval %+v does not bracket its estimate over 50 resamples", s.Name, iv)
			}
		}
	}
	// Every learner scored; the automatic pair shares an ability and differs in elasticity.
	if r.Population.Learners != e.log.Learners.Len() {
		t.Errorf("%d learners scored, log has %d", r.Population.Learners, e.log.Learners.Len())
	}
	if len(r.ZPD) < 2 {
		t.Fatalf("%d ZPD charts, want the automatic pair at least", len(r.ZPD))
	}
	a, b := r.ZPD[0].Posterior, r.ZPD[1].Posterior
	if d := math.Abs(a.Ability.Value - b.Ability.Value); d > 0.25 {
		t.Errorf("automatic pair differs in ability by %.2f", d)
	}
	if d := math.Abs(a.Elasticity.Value - b.Elasticity.Value); d < 0.5 {
		t.Errorf("automatic pair differs in elasticity by only %.2f", d)
	}
	// Learning rates: intervals computed (the model's learning term matched).
	for _, rt := range r.Rates.Rates {
		if rt.Used && !(rt.SD > 0 && rt.Low < rt.Value && rt.Value < rt.High) {
			t.Errorf("rate %s/%s: %+v, want a positive SD (note: %s)", rt.Feature, rt.Outcome, rt, r.Rates.Note)
		}
	}
	// The excerpt's group columns are empty: no slices, and the report says why.
	for _, c := range r.Equity.Columns {
		if len(c.Groups) > 0 || c.Note == "" {
			t.Errorf("equity column %s: %d groups, note %q; want none and a note", c.Name, len(c.Groups), c.Note)
		}
	}
}

func TestReportWithoutData(t *testing.T) {
	e := loadExcerpt(t)
	path := filepath.Join(t.TempDir(), "model-only.html")
	r, err := Write(context.Background(), path, Input{Artifact: e.art, ModelDir: e.modelDir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(raw)
	if strings.Count(html, "No attempt log given") < 4 {
		t.Errorf("sections needing data do not say so:\n%s", html)
	}
	for _, want := range []string{"Item map: difficulty by skill", "Learning rates by outcome", "new learner (prior)", "population prior (fitted)"} {
		if !strings.Contains(html, want) {
			t.Errorf("model-only report lacks %q", want)
		}
	}
	// Item map, learning rates, the fit trace and the prior's ZPD chart
	// need no data.
	if n := checkImages(t, html); n != 4 || len(r.Figures()) != 4 {
		t.Errorf("%d images, %d figures; want 4 model-only figures", n, len(r.Figures()))
	}
	for _, rt := range r.Rates.Rates {
		if !math.IsNaN(rt.SD) {
			t.Errorf("rate %+v has an SD without data", rt)
		}
	}
}

func TestReportLearnersAndPNGs(t *testing.T) {
	e := loadExcerpt(t)
	ids := e.log.Learners.IDs()[:2]
	opts := quickOptions()
	opts.Learners = ids
	opts.SkipEvaluation = true
	r, err := Build(context.Background(), Input{Artifact: e.art, Log: e.log, DataPath: e.path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ZPD) != 2 || r.ZPD[0].Learner != ids[0] || r.ZPD[1].Learner != ids[1] {
		t.Errorf("ZPD charts for %v, want %v", r.ZPD, ids)
	}
	for _, c := range r.ZPD {
		if c.Total() == 0 {
			t.Errorf("chart of %s has no attempt marks", c.Learner)
		}
	}
	if r.Leaderboard.Note == "" || r.Leaderboard.Board != nil {
		t.Errorf("skipped evaluation still has a leaderboard: %+v", r.Leaderboard)
	}
	dir := filepath.Join(t.TempDir(), "png")
	if err := r.WritePNGs(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Figures() {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name+".png"))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Equal(raw, f.PNG) {
			t.Errorf("%s.png differs from the embedded figure", f.Name)
		}
	}
	opts.Learners = []string{"no-such-learner"}
	if _, err := Build(context.Background(), Input{Artifact: e.art, Log: e.log}, opts); err == nil || !strings.Contains(err.Error(), "no-such-learner") {
		t.Errorf("unknown learner: err = %v, want it named", err)
	}
}

// TestEquitySlices simulates three schools whose abilities are shifted by
// -1, 0 and +1 logits and checks the slices: every school shown with its
// metrics and ABROCA, and the schools' mean ability in the shifted order.
func TestEquitySlices(t *testing.T) {
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts, cfg.Items, cfg.Skills = 240, 20, 40, 120, 6
	cfg.Groups, cfg.GroupThetaShift = 3, []float64{-1, 0, 1}
	log, truth, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	art, err := fitArtifact(log, filepath.Join(t.TempDir(), "model"))
	if err != nil {
		t.Fatal(err)
	}
	opts := quickOptions()
	opts.MinGroupLearners = 3
	r, err := Build(context.Background(), Input{Artifact: art, Log: log}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Equity.Columns) != 1 {
		t.Fatalf("equity columns %+v, want group_school", r.Equity.Columns)
	}
	c := r.Equity.Columns[0]
	if c.Name != simulate.GroupColumn || len(c.Groups) != 3 || len(c.Models) != 2 || c.ROCFigure == nil || c.ElasticityFigure == nil {
		t.Fatalf("column %s: %d groups, models %v, figures %v %v; note %q", c.Name, len(c.Groups), c.Models, c.ROCFigure != nil, c.ElasticityFigure != nil, c.Note)
	}
	testLearners := 0
	for _, g := range c.Groups {
		testLearners += g.Learners
		for mi, m := range g.Metrics {
			for _, v := range []float64{m.AUCInd, m.LogLossInd, m.ECEInd, m.ABROCAInd} {
				if math.IsNaN(v) {
					t.Errorf("%s / %s: undefined metric in %+v", g.Value, c.Models[mi], m)
				}
			}
			if m.ABROCAInd < 0 || m.ABROCAInd > 1 {
				t.Errorf("%s / %s: ABROCA %v outside [0,1]", g.Value, c.Models[mi], m.ABROCAInd)
			}
			if iv := m.AUCIndInterval; iv.Value != m.AUCInd || !(iv.Low <= iv.Value && iv.Value <= iv.High) || iv.High-iv.Low <= 0 {
				t.Errorf("%s / %s: AUC interval %+v does not bracket the group's AUC %v", g.Value, c.Models[mi], iv, m.AUCInd)
			}
		}
	}
	if testLearners != r.Leaderboard.Board.TestLearners {
		t.Errorf("groups hold %d test learners, leaderboard %d", testLearners, r.Leaderboard.Board.TestLearners)
	}
	// Truth: which school got which shift.
	shift := map[string]float64{}
	for _, l := range truth.Learners {
		shift[l.Group] = cfg.GroupThetaShift[groupIndex(l.Group)]
	}
	ability := map[float64]float64{}
	for _, g := range c.Elasticity {
		ability[shift[g.Value]] = g.AbilityMean
	}
	if !(ability[-1] < ability[0] && ability[0] < ability[1]) {
		t.Errorf("mean ability by school shift %v: not increasing with the simulated shift", ability)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.Contains(html, "By group_school") || !strings.Contains(html, "ABROCA alone") {
		t.Error("HTML lacks the equity table")
	}
	// About 16 test learners a school: every group is small and says so.
	if c.SmallGroups() != 3 || !strings.Contains(html, "3 group(s) have fewer than 30 test learners") {
		t.Errorf("%d small groups; the page does not warn about them", c.SmallGroups())
	}
	checkImages(t, html)
}

// groupIndex parses the simulator's school name ("school-N", zero padded).
func groupIndex(name string) int {
	n := 0
	for _, r := range strings.TrimPrefix(name, "school-") {
		n = 10*n + int(r-'0')
	}
	return n
}

// TestReportWhenProtocolFails: a log whose learners all fall outside the
// test fold cannot be evaluated; the report says so and renders the rest.
func TestReportWhenProtocolFails(t *testing.T) {
	e := loadExcerpt(t)
	train := protocol.Subset(e.log, func(id string) bool { return protocol.LearnerFold(id) != protocol.TestFold })
	r, err := Build(context.Background(), Input{Artifact: e.art, Log: train}, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Leaderboard.Note, "failed") || r.Leaderboard.Board != nil {
		t.Errorf("leaderboard note %q, board %v", r.Leaderboard.Note, r.Leaderboard.Board)
	}
	if r.Population.Learners != train.Learners.Len() || r.Data == nil {
		t.Errorf("the rest of the report is missing: %d learners scored, data %v", r.Population.Learners, r.Data != nil)
	}
}

// TestEquitySingleValueColumns: group columns with at most one value get
// one sentence, not a section each.
func TestEquitySingleValueColumns(t *testing.T) {
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts, cfg.Items, cfg.Skills, cfg.Groups = 120, 15, 25, 60, 4, 3
	sim, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := datasets.NewLog(simulate.GroupColumn, "group_teacher", "group_class")
	for i := range sim.Len() {
		a := sim.At(i)
		a.Groups = []string{a.Groups[0], "", "only-class"}
		log.Append(&a)
	}
	art, err := fitArtifact(log, filepath.Join(t.TempDir(), "model"))
	if err != nil {
		t.Fatal(err)
	}
	opts := quickOptions()
	opts.MinGroupLearners = 3
	r, err := Build(context.Background(), Input{Artifact: art, Log: log}, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Equity
	if len(e.Columns) != 1 || e.Columns[0].Name != simulate.GroupColumn {
		t.Errorf("equity columns %v, want only %s", e.Columns, simulate.GroupColumn)
	}
	if !strings.Contains(e.Note, "group_teacher, group_class") {
		t.Errorf("note %q does not name the single-value columns", e.Note)
	}
}
