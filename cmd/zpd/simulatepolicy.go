package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/zpd-project/zpd/internal/atomicfile"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
	"github.com/zpd-project/zpd/pathway/policysim"
)

// simulatePolicySettings is the simulate_policy section of the config.
type simulatePolicySettings struct {
	Policies  string `json:"policies"`
	Learners  int    `json:"learners"`
	Steps     int    `json:"steps"`
	Seed      uint64 `json:"seed"`
	World     string `json:"world"`
	WorldFrom string `json:"world_from"`
	Summarize bool   `json:"summarize_bank"`
	SaveWorld string `json:"save_world"`
	Out       string `json:"out"`
	Workers   int    `json:"workers"`
	Resamples int    `json:"resamples"`
	JSON      bool   `json:"json"`
}

func newSimulatePolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate-policy --world FILE --out DIR",
		Short: "Run pathway policies on simulated learners and compare what they learn",
		Long: `simulate-policy lets simulated learners work through items chosen online by
each pathway policy (mastery-first, zad-next, zpd-pod, random, zpdes). Every
policy faces the same learners and the same random draws, so differences are
paired. The world (--world, a YAML file as in configs/worlds/) gives the
population, the item bank, what practice teaches and what attempts cost; the
platform's model is fitted to a calibration log of the world. --world-from
builds the world from a trained elasticity artifact instead (with --world,
the file gives all but the population, bank and learning), and uses that
artifact as the platform's model (docs/pathways.md says what this assumes);
with --summarize-bank the bank is drawn from the artifact's fitted spread
instead, and the platform fits its model to a calibration log as for a world
file (configs/worlds/assistments2009.yaml is made so, with --save-world).
DIR gets summary.json, summary.md and report.html.`,
		Example: `  zpd simulate-policy --world configs/worlds/default.yaml --learners 2000 --steps 300 --out out/policies
  zpd simulate-policy --world-from out/models/as2009 --policies mastery-first,zpd-pod --out out/policies-as2009`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var s simulatePolicySettings
			if err := loadConfig(cmd, "simulate_policy", &s); err != nil {
				return err
			}
			return runSimulatePolicy(cmd, s)
		},
	}
	f := cmd.Flags()
	f.String("policies", strings.Join(pathway.Names(), ","), "comma-separated policies; the first is the baseline of every difference")
	f.Int("learners", 1000, "simulated learners")
	f.Int("steps", 300, "attempts per learner")
	f.Uint64("seed", 1, "random seed")
	f.String("world", "", "world YAML file (default: the built-in default world)")
	f.String("world-from", "", "trained elasticity artifact directory to build the world from")
	f.Bool("summarize-bank", false, "with --world-from: draw the bank from the artifact's fitted spread instead of using its items")
	f.String("save-world", "", "also write the world used as YAML to this file")
	f.String("out", "", "output directory")
	f.Int("workers", 0, "goroutines (0: GOMAXPROCS); results do not depend on it")
	f.Int("resamples", 200, "bootstrap resamples")
	f.Bool("json", false, "print summary.json to stdout")
	return cmd
}

func runSimulatePolicy(cmd *cobra.Command, s simulatePolicySettings) error {
	if s.Out == "" {
		return fmt.Errorf("simulate-policy: --out is required")
	}
	if s.Summarize && s.WorldFrom == "" {
		return fmt.Errorf("simulate-policy: --summarize-bank summarises the artifact of --world-from; give it")
	}
	names, err := pathway.ParseNames(s.Policies)
	if err != nil {
		return fmt.Errorf("simulate-policy: --policies: %w", err)
	}
	world := policysim.DefaultWorld()
	if s.World != "" {
		if world, err = policysim.LoadWorld(s.World); err != nil {
			return err
		}
	}
	ctx := cmd.Context()
	start := time.Now()
	var setup *policysim.Setup
	var model *elasticity.Model
	if s.WorldFrom != "" {
		a, err := artifact.Load(s.WorldFrom, catalog.Lookup)
		if err != nil {
			return err
		}
		var ok bool
		if model, ok = a.Model.(*elasticity.Model); !ok {
			return fmt.Errorf("simulate-policy: --world-from %s: family %q; a world is built from an %s model", s.WorldFrom, a.Metadata.Family, elasticity.Name)
		}
	}
	// A world file given with --world-from keeps its name and description.
	name, description := world.Name, world.Description
	if s.World == "" {
		name, description = filepath.Base(filepath.Clean(s.WorldFrom)), ""
	}
	switch {
	case model != nil && s.Summarize:
		world = policysim.SummaryWorldFromModel(model, world)
		world.Name, world.Description = name, description
		if setup, err = policysim.Prepare(ctx, world, s.Seed); err != nil {
			return fmt.Errorf("simulate-policy: --world-from %s: %w", s.WorldFrom, err)
		}
	case model != nil:
		if setup, err = policysim.PrepareFromModel(model, world); err != nil {
			return fmt.Errorf("simulate-policy: --world-from %s: %w", s.WorldFrom, err)
		}
		setup.World.Name, setup.World.Description = name, description
	default:
		if setup, err = policysim.Prepare(ctx, world, s.Seed); err != nil {
			return err
		}
	}
	if s.SaveWorld != "" {
		raw, err := yaml.Marshal(&setup.World)
		if err != nil {
			return fmt.Errorf("simulate-policy: --save-world: %w", err)
		}
		if err := atomicfile.WriteFile(s.SaveWorld, raw); err != nil {
			return fmt.Errorf("simulate-policy: --save-world: %w", err)
		}
	}
	policies, err := setup.World.NewPolicies(names)
	if err != nil {
		return fmt.Errorf("simulate-policy: %w", err)
	}
	sum, err := policysim.Run(ctx, setup, policysim.Options{
		Policies: policies, Learners: s.Learners, Steps: s.Steps, Seed: s.Seed, Workers: s.Workers, Resamples: s.Resamples,
	})
	if err != nil {
		return err
	}
	if err := sum.Write(s.Out); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		return json.NewEncoder(out).Encode(sum)
	}
	fmt.Fprintf(out, "simulated %d learners × %d steps × %d policies in %.1fs -> %s\n\n",
		s.Learners, s.Steps, len(names), time.Since(start).Seconds(), s.Out)
	return sum.WriteMarkdown(out)
}
