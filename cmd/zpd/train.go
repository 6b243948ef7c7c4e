package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/report"
	"github.com/zpd-project/zpd/train"
)

type trainSettings struct {
	train.Config
	// Report writes report.html (package report) beside the model.
	Report   bool   `json:"report"`
	Data     string `json:"data"`
	Out      string `json:"out"`
	JSON     bool   `json:"json"`
	Progress bool   `json:"progress"`
}

func newTrainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train --data PATH --out MODELDIR",
		Short: "Fit a model on an attempt log and save the artifact",
		Long: `train reads an attempt log (file, directory or Hive tree), validates it,
scores the model family under the evaluation protocol with the test fold
held out (unless --evaluate=false), fits the family on every learner, and
writes the artifact directory atomically: params, metadata.json (versions,
config, data fingerprint, counts, metrics) and summary.txt; then renders
report.html there (zpd report). With --compare the protocol also scores
every baseline family, so the report's leaderboard compares them; only the
chosen family is fitted and saved. It prints where the artifact and the
report went.

Families: ` + strings.Join(catalog.Names(), ", ") + `. Family settings go in the
train.params.<family> section of the --config file (configs/train.yaml).`,
		Example: `  zpd train --data as2009.parquet --out models/as2009 --compare
  zpd train sim/ --out models/sim
  zpd train --config configs/train.yaml --data sim/attempts.parquet --out models/sim`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			s := trainSettings{Config: train.DefaultConfig(), Report: true}
			if err := loadConfig(cmd, "train", &s); err != nil {
				return err
			}
			return runTrain(cmd, s)
		},
	}
	d := train.DefaultConfig()
	f := cmd.Flags()
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (or give it as the argument)")
	f.String("out", "", "artifact directory to write")
	f.String("family", d.Family, "model family: "+strings.Join(catalog.Names(), ", "))
	f.Int64("seed", d.Seed, "random seed")
	f.Bool("evaluate", d.Evaluate, "score the family under the evaluation protocol and record the metrics")
	f.Bool("compare", d.Compare, "also evaluate every baseline family into the report's leaderboard (needs --evaluate)")
	f.Bool("report", true, "write report.html in the artifact directory")
	f.Bool("json", false, "print the artifact metadata as JSON")
	f.Bool("progress", true, "draw a progress bar on stderr")
	return cmd
}

func runTrain(cmd *cobra.Command, s trainSettings) error {
	if s.Data == "" || s.Out == "" {
		return fmt.Errorf("train: --data and --out are required")
	}
	opts := train.Options{BuildVersion: version}
	if s.Compare && !s.Evaluate {
		return fmt.Errorf("train: --compare evaluates the baselines under the protocol, so it needs --evaluate")
	}
	var bar *stageBar
	if s.Progress {
		bar = newStageBar(cmd.ErrOrStderr())
		opts.Progress = bar.Update
	}
	res, err := train.Run(cmd.Context(), s.Config, s.Data, s.Out, opts)
	if err == nil && s.Report {
		if err = writeTrainReport(cmd.Context(), s, res); err != nil {
			err = fmt.Errorf("train: model saved in %s, but its report failed: %w", s.Out, err)
		}
	}
	if bar != nil {
		bar.Finish() // before the summary, so the two never interleave
	}
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if res.Warning != "" {
		// On stderr too, so it is seen when stdout is parsed (--json).
		fmt.Fprintf(cmd.ErrOrStderr(), "zpd train: warning: %s\n", res.Warning)
	}
	if s.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res.Metadata)
	}
	fmt.Fprintf(out, "%s\nmodel:  %s (%s)\n", res.Summary, filepath.Clean(s.Out), res.Metadata.ModelVersion)
	if s.Report {
		fmt.Fprintf(out, "report: %s (open it in a browser)\n", filepath.Join(s.Out, train.ReportFile))
	}
	return nil
}

// writeTrainReport renders the report of the model train just saved into
// the published version's folder (out/report.html links to it: a report
// belongs to the model it describes), reusing train's leaderboard.
func writeTrainReport(ctx context.Context, s trainSettings, res *train.Result) error {
	imp, err := datasets.ReadImportSummary(s.Data)
	if err != nil {
		return err
	}
	version, err := artifact.Resolve(s.Out)
	if err != nil {
		return err
	}
	_, err = report.Write(ctx, filepath.Join(version, train.ReportFile), report.Input{
		Artifact: res.Saved, ModelDir: s.Out, Log: res.Log, DataPath: s.Data,
		Validation: res.Validation, Import: imp, Leaderboard: res.Leaderboard,
	}, report.Options{Seed: s.Seed, SkipEvaluation: !s.Evaluate})
	return err
}
