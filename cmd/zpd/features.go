package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
)

type featuresSettings struct {
	Data         string  `json:"data"`
	Out          string  `json:"out"`
	Model        string  `json:"model"`
	RecencyDecay float64 `json:"recency_decay"`
	RowsPerFile  int     `json:"rows_per_file"`
	PartAttempts int     `json:"part_attempts"`
	JSON         bool    `json:"json"`
}

func newFeaturesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "features --data LOG --out DIR [--model MODELDIR]",
		Short: "Write the leak-free per-attempt feature table (Parquet)",
		Long: `features writes one row per attempt of the log: the learner, item, skills,
seq and outcome columns, and every feature as it stood before the attempt
(the learner's earlier attempts by outcome, on the item and on the
attempt's skills, recency-weighted, hints), computed by package features as
the models compute them. With --model, the elasticity model's online θ, ε,
their SDs and its forecast for the attempt are added, each from the
learner's earlier attempts only. The table goes into DIR as part files
(part-00000.parquet, ...), a new one after --rows-per-file rows; pandas,
polars and DuckDB read the directory (docs/features.md).`,
		Example: `  zpd features --data as2009.parquet --out features/
  zpd features --data as2009.parquet --out features/ --model models/as2009`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			s := featuresSettings{RecencyDecay: elasticity.DefaultConfig().RecencyDecay}
			if err := loadConfig(cmd, "features", &s); err != nil {
				return err
			}
			return runFeatures(cmd, s)
		},
	}
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (or give it as the argument)")
	f := cmd.Flags()
	f.String("out", "", "directory to write the part files into")
	f.String("model", "", "elasticity model directory: add its online θ, ε and forecasts")
	f.Float64("recency-decay", elasticity.DefaultConfig().RecencyDecay, "weight of each older attempt in the recency columns (with --model: the model's)")
	f.Int("rows-per-file", features.DefaultRowsPerFile, "start a new part file after this many rows")
	f.Int("part-attempts", features.DefaultPartAttempts, "attempts held in memory at once: a larger log is split by learner into parts of about this size")
	f.Bool("json", false, "print what was written as JSON")
	return cmd
}

func runFeatures(cmd *cobra.Command, s featuresSettings) error {
	if s.Data == "" || s.Out == "" {
		return fmt.Errorf("features: --data and --out are required")
	}
	if !(s.RecencyDecay >= 0 && s.RecencyDecay < 1) {
		return fmt.Errorf("features: --recency-decay %v not in [0,1)", s.RecencyDecay)
	}
	var extra features.Extra
	if s.Model != "" {
		m, _, err := elasticity.Load(s.Model)
		if err != nil {
			return fmt.Errorf("features: %w", err)
		}
		extra = m.FeatureColumns()
		if !cmd.Flags().Changed("recency-decay") {
			s.RecencyDecay = m.Params().Config.RecencyDecay
		}
	}
	w, err := features.WriteLogParquet(cmd.Context(), s.Data, s.Out, s.RecencyDecay, extra, features.WriteOptions{RowsPerFile: s.RowsPerFile, PartAttempts: s.PartAttempts})
	if err != nil {
		return explain(err)
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"dir": s.Out, "files": w.Files, "rows": w.Rows, "learners": w.Learners})
	}
	fmt.Fprintf(out, "features: %d attempts of %d learners in %d file(s) under %s\n", w.Rows, w.Learners, len(w.Files), filepath.Clean(s.Out))
	return nil
}
