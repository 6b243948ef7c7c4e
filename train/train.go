// Package train turns an attempt log into a model artifact: it reads and
// validates the log, optionally scores the model family under the
// evaluation protocol (fold 0 held out), fits the family on every learner,
// and saves the artifact with its metadata. The command line renders the
// report from the Result (package report), so train does not depend on it.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/evaluate"
)

// Config is the train section of zpd's configuration.
type Config struct {
	// Family names the model family to fit (see catalog.Names).
	Family string `json:"family"`
	// Seed makes fitting reproducible.
	Seed int64 `json:"seed"`
	// Evaluate first scores the family under the evaluation protocol
	// (fitted without the test fold) and records the metrics in the
	// artifact's metadata; the saved model is then fitted on all learners.
	Evaluate bool `json:"evaluate"`
	// Compare also evaluates every other catalog family under the same
	// protocol, so the report's leaderboard ranks the model against the
	// baselines; only the trained family is fitted and saved.
	Compare bool `json:"compare"`
	// Params holds family-specific settings keyed by family name
	// (docs/models.md and docs/baselines.md list the keys).
	Params map[string]map[string]any `json:"params"`
}

// DefaultConfig fits the elasticity model with evaluation.
func DefaultConfig() Config {
	return Config{Family: "elasticity", Seed: 1, Evaluate: true}
}

// Options are what the caller provides beyond the config.
type Options struct {
	// BuildVersion is recorded in the artifact metadata.
	BuildVersion string
	// Progress, when non-nil, is told the stage ("evaluate", "fit") and the
	// fraction of it done.
	Progress func(stage string, done float64)
}

// Result describes a saved artifact.
type Result struct {
	Metadata    artifact.Metadata
	Validation  *datasets.ValidationReport
	Leaderboard *evaluate.Leaderboard // nil unless Config.Evaluate
	Summary     string
	// Warning is a plain sentence when the fit did not converge ("" when it
	// did, or the family does not say); the summary carries it too.
	Warning string
	// Saved is the artifact as written and read back; Log the log it was
	// fitted on. The caller renders the report from them (package report).
	Saved *artifact.Artifact
	Log   *datasets.Log
}

// Run trains cfg.Family on the log at data and saves the artifact in out.
// Nothing is written unless every step succeeds.
func Run(ctx context.Context, cfg Config, data, out string, opts Options) (*Result, error) {
	fam, err := catalog.Lookup(cfg.Family)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	log, validation, err := datasets.ReadLogReport(data, datasets.ReadOptions{})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	fingerprint, err := datasets.Fingerprint(data)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	res := &Result{Validation: validation}
	metrics := map[string]float64{}
	if cfg.Evaluate {
		if res.Leaderboard, err = evaluateFamily(ctx, cfg, fam, log, opts); err != nil {
			if errors.Is(err, evaluate.ErrEmptySplit) {
				return nil, fmt.Errorf("train: %w (or train without held-out metrics: --evaluate=false)", err)
			}
			return nil, fmt.Errorf("train: %w", err)
		}
		s := res.Leaderboard.Models[0] // the trained family comes first
		metrics["auc_ind"], metrics["logloss_ind"], metrics["ece_ind"], metrics["auc_sup"] = s.AUCInd, s.LogLossInd, s.ECEInd, s.AUCSup
	}
	model, err := fam.Fit(ctx, log, models.FitOptions{
		Seed:     cfg.Seed,
		Params:   models.FamilyParams(cfg.Params, fam.Name()),
		Progress: stageProgress(opts.Progress, "fit"),
	})
	if err != nil {
		return nil, fmt.Errorf("train: fit %s: %w", fam.Name(), err)
	}
	res.Metadata = artifact.Metadata{
		SchemaVersion:   datasets.SchemaVersion,
		BuildVersion:    opts.BuildVersion,
		CreatedAt:       time.Now().UTC(),
		DataFingerprint: fingerprint,
		Config:          configMap(cfg),
		Counts:          countsOf(log),
		Metrics:         finite(metrics),
	}
	if w, ok := model.(fitWarner); ok {
		res.Warning = w.FitWarning()
	}
	res.Summary = summary(fam.Name(), data, res, model)
	if err := artifact.Save(out, model, res.Metadata, res.Summary); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	// Save fills in the family, version and checksum; read them back.
	saved, err := artifact.Load(out, catalog.Lookup)
	if err != nil {
		return nil, fmt.Errorf("train: reload saved model: %w", err)
	}
	res.Metadata = saved.Metadata
	res.Saved, res.Log = saved, log
	return res, nil
}

// ReportFile is the name of the HTML report beside the model in the
// artifact directory.
const ReportFile = artifact.ReportFile

func evaluateFamily(ctx context.Context, cfg Config, fam models.Family, log *datasets.Log, opts Options) (*evaluate.Leaderboard, error) {
	var progress func(string, float64)
	if opts.Progress != nil {
		progress = func(_ string, done float64) { opts.Progress("evaluate", done) }
	}
	families := []models.Family{fam}
	if cfg.Compare {
		for _, f := range catalog.All() {
			if f.Name() != fam.Name() {
				families = append(families, f)
			}
		}
	}
	return evaluate.Run(ctx, log, families, evaluate.Options{
		Seed:     cfg.Seed,
		Params:   cfg.Params,
		Progress: progress,
	})
}

func stageProgress(p func(string, float64), stage string) func(float64) {
	if p == nil {
		return nil
	}
	return func(done float64) { p(stage, done) }
}

func countsOf(log *datasets.Log) artifact.Counts {
	return artifact.Counts{
		Attempts: log.Len(),
		Learners: log.Learners.Len(),
		Items:    log.Items.Len(),
		Skills:   log.SkillIDs.Len(),
	}
}

// configMap records the config in the metadata as plain JSON values.
func configMap(cfg Config) map[string]any {
	raw, _ := json.Marshal(cfg)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

// finite drops undefined metrics (NaN), which JSON cannot carry.
func finite(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if v != v {
			delete(m, k)
		}
	}
	return m
}

// summarizer is implemented by models that can describe their fitted
// parameters for the artifact's summary.txt.
type summarizer interface{ Summary() string }

// fitWarner is implemented by models whose fit can end unconverged.
type fitWarner interface{ FitWarning() string }

func summary(family, data string, res *Result, model models.Model) string {
	var b strings.Builder
	c := res.Metadata.Counts
	fmt.Fprintf(&b, "zpd model: %s\ntrained on %s (%s)\n", family, data, res.Metadata.DataFingerprint)
	fmt.Fprintf(&b, "%d attempts, %d learners, %d items, %d skills; %d validation problems (%d fatal)\n",
		c.Attempts, c.Learners, c.Items, c.Skills, res.Validation.Fatal+res.Validation.NonFatal, res.Validation.Fatal)
	if lb := res.Leaderboard; lb != nil {
		fmt.Fprintf(&b, "\nevaluation protocol (fold 0 held out: %d test learners, %d test attempts):\n", lb.TestLearners, lb.TestAttempts)
		lb.WriteTable(&b)
	}
	if s, ok := model.(summarizer); ok {
		fmt.Fprintf(&b, "\n%s\n", s.Summary())
	}
	if res.Warning != "" {
		fmt.Fprintf(&b, "\nwarning: %s\n", res.Warning)
	}
	return b.String()
}
