// Package train turns an attempt log into a model artifact: it reads and
// validates the log, optionally scores the model family under the
// evaluation protocol (fold 0 held out), fits the family on every learner,
// saves the artifact with its metadata, and renders its report.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/report"
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
	// Report writes report.html (package report) in the artifact directory.
	Report bool `json:"report"`
	// Params holds family-specific settings keyed by family name
	// (docs/models.md and docs/baselines.md list the keys).
	Params map[string]map[string]any `json:"params"`
}

// DefaultConfig fits the elasticity model with evaluation.
func DefaultConfig() Config {
	return Config{Family: "elasticity", Seed: 1, Evaluate: true, Report: true}
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
		Params:   cfg.Params[fam.Name()],
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
	if cfg.Report {
		if err := writeReport(ctx, cfg, saved, out, data, log, res); err != nil {
			return nil, fmt.Errorf("train: model saved in %s, but its report failed: %w", out, err)
		}
	}
	return res, nil
}

// ReportFile is the name of the HTML report train writes in the artifact
// directory.
const ReportFile = artifact.ReportFile

// writeReport renders the report beside the saved model, reusing the
// leaderboard train already computed.
func writeReport(ctx context.Context, cfg Config, saved *artifact.Artifact, out, data string, log *datasets.Log, res *Result) error {
	imp, err := datasets.ReadImportSummary(data)
	if err != nil {
		return err
	}
	// Into the published version's folder (out/report.html links to it):
	// a report belongs to the model it describes.
	version, err := artifact.Resolve(out)
	if err != nil {
		return err
	}
	_, err = report.Write(ctx, filepath.Join(version, ReportFile), report.Input{
		Artifact: saved, ModelDir: out, Log: log, DataPath: data,
		Validation: res.Validation, Import: imp, Leaderboard: res.Leaderboard,
	}, report.Options{Seed: cfg.Seed, SkipEvaluation: !cfg.Evaluate})
	return err
}

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
