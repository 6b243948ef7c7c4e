package report

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/atomicfile"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/evaluate"
)

// Input is what a report describes: a model artifact and, optionally, an
// attempt log. Sections that need the log say so when it is missing.
type Input struct {
	Artifact *artifact.Artifact // required
	ModelDir string             // shown in the report's header
	Log      *datasets.Log      // nil: model-only report
	DataPath string
	// Validation is the log's validation report (datasets.ReadLogReport).
	Validation *datasets.ValidationReport
	// Import is the summary of the import that produced the log, when known
	// (datasets.ReadImportSummary reads the sidecar file next to the log).
	Import *datasets.ImportSummary
	// Leaderboard, when set, is used as is; otherwise Build runs the
	// evaluation protocol on Log (unless Options.SkipEvaluation).
	Leaderboard *evaluate.Leaderboard
}

// Options configure Build.
type Options struct {
	// Families to evaluate; empty means every catalog family plus the
	// artifact's own.
	Families []string
	// Params holds family settings for the evaluation, keyed by family; nil
	// uses the params recorded in the artifact's config.
	Params map[string]map[string]any
	Seed   int64
	// SkipEvaluation leaves out the protocol when no Leaderboard is given.
	SkipEvaluation bool
	// Learners names the learners to draw ZPD charts for; empty picks a few.
	Learners []string
	// Resamples is the number of bootstrap resamples (0: DefaultResamples).
	Resamples int
	// GroupColumns selects the group columns for equity slices (with or
	// without the "group_" prefix); empty means every group column.
	GroupColumns []string
	// MinGroupLearners is the fewest test learners a group needs to be
	// shown in the equity slices (0: DefaultMinGroupLearners).
	MinGroupLearners int
	// Progress, when non-nil, is told the stage and the fraction done.
	Progress func(stage string, done float64)
}

// Report is a built report: every section's numbers and figures.
type Report struct {
	Generated time.Time
	Model     ModelInfo
	// DataPath is empty for a model-only report.
	DataPath string
	Data     *DataSummary // nil without a log

	Leaderboard *LeaderboardSection
	Population  *PopulationSection
	Fit         *FitSection
	ZPD         []ZPDChart
	ZPDNote     string
	Items       *ItemSection
	Rates       *RateSection
	Equity      *EquitySection
	// Timings lists how long each stage of Build took.
	Timings []Timing
}

// ModelInfo describes the artifact.
type ModelInfo struct {
	Dir      string
	Metadata artifact.Metadata
	// Elasticity is false for families other than elasticity; the sections
	// about ability, elasticity, items and learning rates then say so.
	Elasticity bool
}

// Timing is the wall time of one stage of Build.
type Timing struct {
	Stage    string
	Duration time.Duration
}

// Build computes the report of in.
func Build(ctx context.Context, in Input, opts Options) (*Report, error) {
	if in.Artifact == nil || in.Artifact.Model == nil {
		return nil, errors.New("report: no model")
	}
	if opts.Resamples == 0 {
		opts.Resamples = DefaultResamples
	}
	if opts.MinGroupLearners == 0 {
		opts.MinGroupLearners = DefaultMinGroupLearners
	}
	b := &builder{ctx: ctx, in: in, opts: opts, r: &Report{
		Generated: time.Now().UTC(),
		DataPath:  in.DataPath,
		Model:     ModelInfo{Dir: in.ModelDir, Metadata: in.Artifact.Metadata},
	}}
	b.m, b.r.Model.Elasticity = in.Artifact.Model.(*elasticity.Model)
	for _, st := range []struct {
		name string
		run  func() error
	}{
		{"data summary", b.data},
		{"evaluation", b.evaluate},
		{"leaderboard", b.leaderboard},
		{"learners", b.population},
		{"fit trace", b.fit},
		{"ZPD charts", b.zpd},
		{"items and learning rates", b.items},
		{"equity slices", b.equity},
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := st.run(); err != nil {
			return nil, fmt.Errorf("report: %s: %w", st.name, err)
		}
		b.r.Timings = append(b.r.Timings, Timing{st.name, time.Since(start)})
		b.progress(st.name, 1)
	}
	return b.r, nil
}

// builder carries the state shared by Build's stages.
type builder struct {
	ctx  context.Context
	in   Input
	opts Options
	r    *Report
	m    *elasticity.Model // nil for other families
	lb   *evaluate.Leaderboard
	// evalErr is why the protocol failed; the leaderboard section shows it.
	evalErr error
	states  []LearnerState // every learner's posterior (elasticity model and log)
	chosen  []Chosen       // learners for ZPD charts
	mu      sync.Mutex     // serialises Progress calls from concurrent fits
}

func (b *builder) progress(stage string, done float64) {
	if b.opts.Progress == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opts.Progress(stage, done)
}

func (b *builder) data() error {
	if b.in.Log != nil {
		b.r.Data = summarizeData(b.in.Log, b.in.DataPath, b.in.Validation, b.in.Import)
	}
	return nil
}

func (b *builder) population() error {
	if b.m != nil && b.in.Log != nil {
		b.states = scoreLearners(b.m, b.in.Log)
		var err error
		if b.chosen, err = chooseLearners(b.states, b.opts.Learners); err != nil {
			return err
		}
	}
	s := populationSection(b.m, b.states)
	b.r.Population = s
	if len(b.states) == 0 {
		return nil
	}
	var err error
	s.Figure, err = jointFigure(b.states, b.chosen)
	return err
}

func (b *builder) fit() error {
	var err error
	b.r.Fit, err = fitSection(b.m)
	return err
}

// Write builds the report of in and saves it as one HTML file at path,
// atomically. zpd report calls it, and zpd train to put report.html next to
// the artifact.
func Write(ctx context.Context, path string, in Input, opts Options) (*Report, error) {
	r, err := Build(ctx, in, opts)
	if err != nil {
		return nil, err
	}
	return r, r.SaveHTML(path)
}

// SaveHTML writes the report's HTML to path atomically.
func (r *Report) SaveHTML(path string) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := r.WriteHTML(f); err != nil {
		f.Abort()
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
