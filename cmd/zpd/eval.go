package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/evaluate"
)

type evalSettings struct {
	Data     string                    `json:"data"`
	Model    []string                  `json:"model"`
	Seed     int64                     `json:"seed"`
	Params   map[string]map[string]any `json:"params"`
	JSON     bool                      `json:"json"`
	Progress bool                      `json:"progress"`
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
	f.Bool("json", false, `print {"models":[{"name","auc_ind","logloss_ind","ece_ind","auc_sup"}]} as JSON`)
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
	if s.JSON {
		return lb.WriteJSON(cmd.OutOrStdout())
	}
	return lb.WriteTable(cmd.OutOrStdout())
}
