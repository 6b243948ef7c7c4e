package main

import (
	"io"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "zpd",
		Short: "Learn how far each learner can stretch with support",
		Long: `zpd learns, from logs of learners working with and without support (hints,
feedback, scaffolds, worked steps), each learner's ability alone (Zone of
Actual Development), their ZPD elasticity (how far support extends them) and
their point of difficulty, and serves that to learning platforms.

Settings come from defaults, then the YAML file given with --config, then
ZPD_ environment variables (ZPD_<SECTION>_<KEY>, e.g. ZPD_SIMULATE_LEARNERS),
then flags; flags win.`,
		Example: `  zpd import --format assistments2009 --data as_supersmall.csv --out attempts.parquet
  zpd validate attempts.parquet
  zpd simulate --learners 1000 --items 200 --attempts 100 --seed 1 --out sim/
  zpd train --data attempts.parquet --out models/as2009 --compare
  zpd eval --data attempts.parquet --json
  zpd report --model models/as2009 --data attempts.parquet --out report.html
  zpd serve --model models/as2009 --config configs/serve.yaml
  zpd score --model models/as2009 --data attempts.parquet --out scores/`,
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().String("config", "", "YAML config file (see configs/)")
	root.AddCommand(
		newImportCmd(),
		newValidateCmd(),
		newSimulateCmd(),
		newSimulatePolicyCmd(),
		newTrainCmd(),
		newEvalCmd(),
		newFeaturesCmd(),
		newScoreCmd(),
		newServeCmd(),
		newLearnersCmd(),
		newReportCmd(),
		newVersionCmd(),
	)
	root.SetVersionTemplate("{{.Version}}\n")
	return root
}
