package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/report"
)

type reportSettings struct {
	Model     string                    `json:"model"`
	Data      string                    `json:"data"`
	Out       string                    `json:"out"`
	Learner   []string                  `json:"learner"`
	PNG       string                    `json:"png"`
	Family    []string                  `json:"family"`
	Group     []string                  `json:"group"`
	Resamples int                       `json:"resamples"`
	Seed      int64                     `json:"seed"`
	Evaluate  bool                      `json:"evaluate"`
	Params    map[string]map[string]any `json:"params"`
	Progress  bool                      `json:"progress"`
}

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report --model MODELDIR [--data PATH] --out report.html",
		Short: "Write a self-contained HTML report on a model and its data",
		Long: `report writes one HTML file (figures embedded, no network needed to view it)
describing a model artifact and, with --data, the attempt log: the evaluation
protocol's leaderboard for every family with bootstrap intervals over test
learners, reliability diagrams and ROC curves for success alone and with
support, the joint distribution of ability and elasticity, ZPD charts of a
few learners, the item map, learning rates with intervals, a data summary
and equity slices by group column (docs/report.md).

Without --data the sections that need data say so. Rows rejected on import
are shown when the import summary sits next to the log as PATH.import.json
(zpd import --json > PATH.import.json writes it).`,
		Example: `  zpd report --model models/as2009 --data as2009.parquet --out as2009.html
  zpd report --model models/sim --data sim/ --out sim.html --learner learner-017 --learner learner-042 --png figures/
  zpd report --model models/as2009 --out model-only.html`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			s := reportSettings{Evaluate: true}
			if err := loadConfig(cmd, "report", &s); err != nil {
				return err
			}
			return runReport(cmd, s)
		},
	}
	f := cmd.Flags()
	f.String("model", "", "model artifact directory (zpd train --out)")
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (optional; or give it as the argument)")
	f.String("out", "", "HTML file to write")
	f.StringSlice("learner", nil, "learner id to draw a ZPD chart for (repeatable; default: picked automatically)")
	f.String("png", "", "also write every figure as a PNG file into this directory")
	f.StringSlice("family", nil, "model family to evaluate (repeatable; default: every catalog family and the model's own)")
	f.StringSlice("group", nil, "group column for equity slices (repeatable, with or without group_; default: all)")
	f.Int("resamples", report.DefaultResamples, "bootstrap resamples of test learners")
	f.Int64("seed", 1, "random seed (fits and bootstrap)")
	f.Bool("evaluate", true, "run the evaluation protocol (leaderboard, calibration, equity metrics)")
	f.Bool("progress", true, "print each stage on stderr as it finishes")
	return cmd
}

func runReport(cmd *cobra.Command, s reportSettings) error {
	if s.Model == "" || s.Out == "" {
		return fmt.Errorf("report: --model and --out are required")
	}
	start := time.Now()
	art, err := artifact.Load(s.Model, catalog.Lookup)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	in := report.Input{Artifact: art, ModelDir: s.Model, DataPath: s.Data}
	if s.Data != "" {
		if in.Log, in.Validation, err = datasets.ReadLogReport(s.Data, datasets.ReadOptions{}); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if in.Import, err = datasets.ReadImportSummary(s.Data); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	opts := report.Options{
		Families: s.Family, Params: s.Params, Seed: s.Seed, SkipEvaluation: !s.Evaluate,
		Learners: s.Learner, Resamples: s.Resamples, GroupColumns: s.Group,
	}
	if s.Progress {
		opts.Progress = func(stage string, done float64) {
			if done >= 1 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s done (%.1f s)\n", stage, time.Since(start).Seconds())
			}
		}
	}
	r, err := report.Write(cmd.Context(), s.Out, in, opts)
	if err != nil {
		return err
	}
	if s.PNG != "" {
		if err := r.WritePNGs(s.PNG); err != nil {
			return err
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d figures) in %.1f s\n", s.Out, len(r.Figures()), time.Since(start).Seconds())
	return nil
}
