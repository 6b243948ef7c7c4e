package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zpd-project/zpd/datasets"
)

// addDataFlag adds --data, the input of every command that reads a log
// (or, for import, a source file), and accepts --in as its other name:
// earlier releases used --in for import and score.
func addDataFlag(cmd *cobra.Command, usage string) {
	f := cmd.Flags()
	f.String("data", "", usage)
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "in" {
			name = "data"
		}
		return pflag.NormalizedName(name)
	})
}

// positionalData takes a lone argument as --data, so `zpd train log.parquet
// --out m` works as `zpd train --data log.parquet --out m` does.
func positionalData(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.Flags().Changed("data") {
		return fmt.Errorf("%s: give the input either as an argument or with --data, not both", cmd.Name())
	}
	return cmd.Flags().Set("data", args[0])
}

// explain adds what to do next to errors whose cause the user can fix in
// one step.
func explain(err error) error {
	if errors.Is(err, datasets.ErrNotLog) {
		return fmt.Errorf("%w: a CSV or TSV source? import it first with `zpd import --format FORMAT --data FILE --out LOG.parquet` (formats: %s)",
			err, strings.Join(importFormats(), ", "))
	}
	return err
}
