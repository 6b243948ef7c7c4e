package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/report"
)

type evalSettings struct {
	Data      string                    `json:"data"`
	Model     []string                  `json:"model"`
	Seed      int64                     `json:"seed"`
	Params    map[string]map[string]any `json:"params"`
	JSON      bool                      `json:"json"`
	Resamples int                       `json:"resamples"`
	Progress  bool                      `json:"progress"`
}

func newEvalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval --data PATH [--model FAMILY]...",
		Short: "Compare model families under the leak-free evaluation protocol",
		Long: `eval implements the evaluation protocol (docs/evaluation.md): learners are
split by FNV-1a 32-bit of their id mod 5 (fold 0 = test); every family is
fitted and tuned on training learners only; every test attempt is predicted
from that learner's earlier attempts only. It prints, per model, the AUC and
log-loss of independent success, its expected calibration error (ECE), and
the AUC of success with support among attempts failed alone.

Families: ` + strings.Join(catalog.Names(), ", ") + ` (all when --model is not given).`,
		Example: `  zpd eval --data as2009.parquet
  zpd eval --data as2009.parquet --model elasticity --model bestlr+support --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			var s evalSettings
			if err := loadConfig(cmd, "eval", &s); err != nil {
				return err
			}
			return runEval(cmd, s)
		},
	}
	f := cmd.Flags()
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (or give it as the argument)")
	f.StringSlice("model", nil, "model family to evaluate (repeatable): "+strings.Join(catalog.Names(), ", "))
	f.Int64("seed", 1, "random seed")
	f.Bool("json", false, `print {"models":[{"name","auc_ind","logloss_ind","ece_ind","auc_sup"}],"differences":[...]} as JSON (docs/evaluation.md)`)
	f.Int("resamples", report.DefaultResamples, "bootstrap resamples of test learners for the paired differences (0: none)")
	f.Bool("progress", true, "draw a progress bar on stderr")
	return cmd
}

func runEval(cmd *cobra.Command, s evalSettings) error {
	if s.Data == "" {
		return fmt.Errorf("eval: --data is required")
	}
	fams, err := catalog.LookupAll(s.Model)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	log, err := datasets.ReadLog(s.Data, datasets.ReadOptions{})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	opts := evaluate.Options{Seed: s.Seed, Params: s.Params}
	var bar *stageBar
	if s.Progress {
		bar = newStageBar(cmd.ErrOrStderr())
		opts.Progress = bar.Update
	}
	lb, err := evaluate.Run(cmd.Context(), log, fams, opts)
	if bar != nil {
		bar.Finish() // before the table, so the two never interleave
	}
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	var diffs []report.Difference
	if s.Resamples > 0 {
		diffs = report.Differences(lb, elasticity.Name, s.Resamples, uint64(s.Seed))
		diffs = append(diffs, report.Versus(lb, elasticity.FeedbackName, elasticity.Name, s.Resamples, uint64(s.Seed))...)
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(evalJSON{lb, diffs, s.Resamples})
	}
	if err := lb.WriteTable(out); err != nil {
		return err
	}
	return writeDifferences(out, diffs, s.Resamples)
}

// evalJSON is zpd eval --json: the leaderboard, and the paired bootstrap
// differences between the elasticity model and the best other model, then
// (when both ran) between elasticity+feedback and elasticity.
type evalJSON struct {
	*evaluate.Leaderboard
	Differences []report.Difference `json:"differences,omitempty"`
	Resamples   int                 `json:"resamples,omitempty"`
}

// writeDifferences prints the paired differences under the leaderboard.
func writeDifferences(w io.Writer, diffs []report.Difference, resamples int) error {
	for start := 0; start < len(diffs); {
		model := diffs[start].Model
		end := start
		for end < len(diffs) && diffs[end].Model == model {
			end++
		}
		what := "best other model"
		if model != elasticity.Name {
			what = diffs[start].Baseline
		}
		fmt.Fprintf(w, "\n%s − %s, 95%% paired bootstrap over test learners (%d resamples):\n", model, what, resamples)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, d := range diffs[start:end] {
			verdict := "no clear difference"
			if d.Better != nil && *d.Better {
				verdict = d.Model + " better"
			} else if d.Better != nil {
				verdict = d.Baseline + " better"
			}
			fmt.Fprintf(tw, "%s\tvs %s\t%+.4f [%+.4f, %+.4f]\t%s\n", d.Metric, d.Baseline, d.Value, d.Low, d.High, verdict)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		start = end
	}
	return nil
}
