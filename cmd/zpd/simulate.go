package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets/simulate"
)

// simulateSettings is the simulate section of the config: every parameter
// of the generative model (simulate.Config, keys as in its JSON tags) plus
// the command's own settings.
type simulateSettings struct {
	simulate.Config
	// Attempts, when > 0, gives every learner exactly this many attempts.
	Attempts int    `json:"attempts"`
	Out      string `json:"out"`
	JSON     bool   `json:"json"`
}

func newSimulateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate --out DIR",
		Short: "Write a synthetic attempt log with known ability and elasticity",
		Long: `simulate draws learners with known independent ability and ZPD elasticity,
items with known difficulties and skills, and lets the learners practise,
alone and with support, learning as they go (docs/simulator.md). It writes
DIR/attempts.parquet (canonical schema) and the ground truth in
DIR/_truth/: learners.parquet, items.parquet and truth.json. Log readers
skip _truth, so DIR itself can be given wherever a log is expected. The
same seed gives the same files. Parameters without a flag are set in the simulate
section of the --config file.`,
		Example: `  zpd simulate --learners 1000 --items 200 --attempts 100 --seed 1 --out sim/
  zpd simulate --config configs/simulate.yaml --out sim/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := simulateSettings{Config: simulate.DefaultConfig()}
			if err := loadConfig(cmd, "simulate", &s); err != nil {
				return err
			}
			return runSimulate(cmd, s)
		},
	}
	d := simulate.DefaultConfig()
	f := cmd.Flags()
	f.Int("learners", d.Learners, "number of learners")
	f.Int("items", d.Items, "number of items")
	f.Int("skills", d.Skills, "number of skills")
	f.Int("attempts", 0, "attempts per learner (0: between min_attempts and max_attempts)")
	f.Uint64("seed", d.Seed, "random seed")
	f.Bool("learning", d.Learning, "learners learn from practice")
	f.String("assignment", string(d.Assignment), "item assignment: random or adaptive")
	f.Int("groups", d.Groups, "number of schools in the group_school column (0: none)")
	f.String("out", "", "output directory")
	f.Bool("json", false, "print a JSON summary")
	return cmd
}

func runSimulate(cmd *cobra.Command, s simulateSettings) error {
	if s.Out == "" {
		return fmt.Errorf("simulate: --out is required")
	}
	cfg := s.Config
	if s.Attempts > 0 {
		cfg.MinAttempts, cfg.MaxAttempts = s.Attempts, s.Attempts
	}
	start := time.Now()
	truth, err := simulate.WriteDir(cmd.Context(), cfg, s.Out)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	summary := map[string]any{
		"out":      s.Out,
		"attempts": truth.Attempts,
		"learners": len(truth.Learners),
		"items":    len(truth.Items),
		"seconds":  elapsed.Seconds(),
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		return json.NewEncoder(out).Encode(summary)
	}
	fmt.Fprintf(out, "simulated %d attempts by %d learners on %d items in %.2fs -> %s\n",
		truth.Attempts, len(truth.Learners), len(truth.Items), elapsed.Seconds(), filepath.Join(s.Out, simulate.AttemptsFile))
	return nil
}
