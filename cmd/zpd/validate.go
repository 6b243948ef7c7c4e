package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
)

type validateSettings struct {
	Data        string `json:"data"`
	MaxProblems int    `json:"max_problems"`
	JSON        bool   `json:"json"`
}

func newValidateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate PATH | --data PATH",
		Short: "Check an attempt log against the canonical schema",
		Long: `validate checks a log (a Parquet or Arrow IPC file, a directory of them, or a
Hive-partitioned tree) against the canonical schema (docs/data.md) and
reports each problem by file, row and column: missing columns, wrong types,
empty ids, negative counts, hints taken beyond hints available, support
flags that contradict the outcome, out-of-order sequence numbers. It exits
non-zero when any problem is fatal; every command that reads logs applies
the same checks.`,
		Example: `  zpd validate attempts.parquet
  zpd validate --json logs/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			var s validateSettings
			if err := loadConfig(cmd, "validate", &s); err != nil {
				return err
			}
			if s.Data == "" {
				return fmt.Errorf("validate: give the log to check as the argument or with --data")
			}
			return runValidate(cmd, s.Data, s)
		},
	}
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (or give it as the argument)")
	cmd.Flags().Int("max-problems", datasets.DefaultMaxProblems, "problems to list (all are counted)")
	cmd.Flags().Bool("json", false, "print the report as JSON")
	return cmd
}

func runValidate(cmd *cobra.Command, path string, s validateSettings) error {
	rep, err := datasets.Validate(path, datasets.ReadOptions{MaxProblems: s.MaxProblems})
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "%s: %d files, %d rows, %d fatal and %d other problems\n", path, rep.Files, rep.Rows, rep.Fatal, rep.NonFatal)
		for _, k := range rep.Kinds() {
			fmt.Fprintf(out, "  %8d  %s\n", rep.Counts[k], k)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(out, "  %s\n", p)
		}
	}
	if err := rep.Err(); err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	return nil
}
