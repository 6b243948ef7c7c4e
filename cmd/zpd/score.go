package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/batch"
)

type scoreSettings struct {
	Model      string `json:"model"`
	Data       string `json:"data"`
	Out        string `json:"out"`
	Candidates string `json:"candidates"`
	Recommend  int    `json:"recommend"`
	Policy     string `json:"policy"`
	// Shard is "i/N"; empty takes JOB_COMPLETION_INDEX/JOB_COMPLETIONS
	// (a Kubernetes Indexed Job), else the whole cohort.
	Shard        string        `json:"shard"`
	MemoryBudget string        `json:"memory_budget"`
	Workers      int           `json:"workers"`
	JSON         bool          `json:"json"`
	Progress     bool          `json:"progress"`
	LogEvery     time.Duration `json:"log_every"`
	// AllowUnknownItems scores a log most of whose attempts are at items
	// the model does not know.
	AllowUnknownItems bool `json:"allow_unknown_items"`
}

func newScoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "score --model MODELDIR --data PATH --out DIR",
		Short: "Rescore every learner of a log with a model; write Parquet tables",
		Long: `score reads an attempt log (file, directory or Hive tree, in any order), groups
each learner's attempts in seq order, scores every learner with the elasticity
model exactly as the HTTP API does, and writes under --out:

  learners/*.parquet    one row per learner: ability, elasticity, their SDs, ZAD
                        edge, point of difficulty, ZPD band, counts, last activity
  readiness/*.parquet   with --candidates: one row per learner x item
  recommendations/*.parquet
                        with --recommend N: each learner's next N items from
                        the candidates by --policy (docs/pathways.md), as
                        /v1/score options.policy gives them
  manifest.shard-*.json row counts and SHA-256 of every file, model version,
                        input fingerprint, attempts at unknown items

Attempts at items the model does not know inform only their known skills.
The summary and the manifest count them; when they are most of the log (a
model trained on another log) score refuses unless --allow-unknown-items.

Memory stays under --memory-budget: a cohort that does not fit is partitioned
by learner hash into temporary files under --out and scored part by part.
--shard i/N (or JOB_COMPLETION_INDEX and JOB_COMPLETIONS in a Kubernetes
Indexed Job) scores one shard; shards write disjoint files into one --out.
Rerunning after a failure redoes only the parts whose output is missing.
docs/score.md describes the columns and the layout.`,
		Example: `  zpd score --model models/as2009 --data attempts.parquet --out scores/
  zpd score --model models/sim --data logs/ --out scores/ --candidates items.txt --memory-budget 256MB
  zpd score --model models/sim --data logs/ --out scores/ --shard 2/8 --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			var s scoreSettings
			if err := loadConfig(cmd, "score", &s); err != nil {
				return err
			}
			return runScore(cmd, s)
		},
	}
	f := cmd.Flags()
	f.String("model", "", "elasticity artifact directory (zpd train)")
	addDataFlag(cmd, "attempt log: file, directory or Hive tree (--in is the same flag)")
	f.String("out", "", "output directory")
	f.String("candidates", "", "candidate items: text file, one item id per line, or Parquet with an item_id column")
	f.Int("recommend", 0, "recommend this many next items per learner from the candidates (0: none)")
	f.String("policy", "zpd-pod", "pathway policy of --recommend: mastery-first, zad-next, zpd-pod, random or zpdes")
	f.String("shard", "", "score shard i of N (i/N); default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS, else all")
	f.String("memory-budget", "1GB", "memory to plan for, e.g. 256MB or 4GB (KB, MB, GB are powers of 1024)")
	f.Int("workers", 0, "scoring goroutines (0: one per CPU)")
	f.Bool("json", false, "print a JSON summary")
	f.Bool("progress", true, "show progress on stderr: a bar on a terminal, else a log line every --log-every")
	f.Duration("log-every", 10*time.Second, "interval between progress lines when stderr is not a terminal")
	f.Bool("allow-unknown-items", false, "score even when most attempts are at items the model does not know")
	return cmd
}

func runScore(cmd *cobra.Command, s scoreSettings) error {
	if s.Model == "" || s.Data == "" || s.Out == "" {
		return fmt.Errorf("score: --model, --data and --out are required")
	}
	shard, err := scoreShard(s.Shard, os.Getenv)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	budget, err := parseBytes(s.MemoryBudget)
	if err != nil {
		return fmt.Errorf("score: --memory-budget: %w", err)
	}
	cfg := batch.Config{Model: s.Model, In: s.Data, Out: s.Out, Candidates: s.Candidates, Recommend: s.Recommend, Policy: s.Policy,
		Shard: shard, MemoryBudget: budget, Workers: s.Workers, AllowUnknownItems: s.AllowUnknownItems}
	opts := batch.Options{BuildVersion: version}
	if s.Progress {
		p := newScoreProgress(cmd.ErrOrStderr(), s.LogEvery)
		defer p.finish()
		opts.Progress = p.update
	}
	res, err := batch.Run(cmd.Context(), cfg, opts)
	if err != nil {
		return err
	}
	return printScore(cmd.OutOrStdout(), s, res)
}

// scoreShard returns the shard to score: the flag, else a Kubernetes
// Indexed Job's JOB_COMPLETION_INDEX out of JOB_COMPLETIONS, else all.
func scoreShard(flag string, getenv func(string) string) (batch.Shard, error) {
	if flag != "" {
		return batch.ParseShard(flag)
	}
	idx := getenv("JOB_COMPLETION_INDEX")
	if idx == "" {
		return batch.ParseShard("")
	}
	n := getenv("JOB_COMPLETIONS")
	if n == "" {
		return batch.Shard{}, fmt.Errorf("JOB_COMPLETION_INDEX=%s is set but JOB_COMPLETIONS is not: set it to the Job's completions", idx)
	}
	return batch.ParseShard(idx + "/" + n)
}

// parseBytes parses a size such as 256MB, 1.5GiB or 1048576. KB, MB, GB
// and TB (and their KiB forms) are powers of 1024.
func parseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q: want a positive size such as 256MB", s)
	}
	return int64(v * float64(mult)), nil
}

// scoreSummary is the --json output.
type scoreSummary struct {
	*batch.Result
	Out            string  `json:"out"`
	Manifest       string  `json:"manifest_path"`
	Seconds        float64 `json:"seconds"`
	AttemptsPerSec float64 `json:"attempts_per_second"`
}

func printScore(w io.Writer, s scoreSettings, res *batch.Result) error {
	sum := scoreSummary{Result: res, Out: s.Out, Seconds: res.Elapsed.Seconds(),
		Manifest: filepath.Join(s.Out, batch.ManifestName(res.Manifest.Shard))}
	if sum.Seconds > 0 {
		sum.AttemptsPerSec = float64(res.AttemptsRead) / sum.Seconds
	}
	if s.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	m := res.Manifest
	fmt.Fprintf(w, "scored %d learners (%d attempts) of shard %s in %.1fs (%.0f attempts/s); parts: %d scored, %d reused\n",
		m.Learners, m.Attempts, m.Shard, sum.Seconds, sum.AttemptsPerSec, res.PartsScored, res.PartsReused)
	if m.UnknownCounts.Attempts > 0 {
		fmt.Fprintf(w, "%d attempts (%.1f%%) were at %d items the model does not know: they inform only their known skills\n",
			m.UnknownCounts.Attempts, 100*float64(m.UnknownCounts.Attempts)/float64(max(m.Attempts, 1)), m.UnknownCounts.Items)
	}
	_, err := fmt.Fprintf(w, "manifest: %s\n", sum.Manifest)
	return err
}

// scoreProgress shows batch.Progress on stderr: a bar with rate and ETA on
// a terminal, otherwise a log line at most every interval.
type scoreProgress struct {
	w        io.Writer
	terminal bool
	every    time.Duration
	stage    string
	bar      *progressbar.ProgressBar
	start    time.Time
	last     time.Time
}

func newScoreProgress(w io.Writer, every time.Duration) *scoreProgress {
	return &scoreProgress{w: w, terminal: isTerminal(w), every: every}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *scoreProgress) update(u batch.Progress) {
	now := time.Now()
	if u.Stage != p.stage {
		p.finish()
		p.stage, p.start, p.last = u.Stage, now, now
		if p.terminal {
			p.bar = progressbar.NewOptions64(max(u.Total, 1),
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(u.Stage),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("attempts"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { io.WriteString(p.w, "\n") }),
			)
		}
	}
	if p.bar != nil {
		if int64(p.bar.GetMax64()) != u.Total && u.Total > 0 {
			p.bar.ChangeMax64(u.Total)
		}
		p.bar.Set64(u.Done)
		return
	}
	if now.Sub(p.last) >= p.every || (u.Done == u.Total && u.Total > 0) {
		p.last = now
		fmt.Fprintln(p.w, progressLine(u, now.Sub(p.start)))
	}
}

// progressLine is one log line: stage, done/total, rate and ETA.
func progressLine(u batch.Progress, elapsed time.Duration) string {
	rate := float64(u.Done) / max(elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("score: %s %d/%d attempts", u.Stage, u.Done, u.Total)
	if u.Total > 0 {
		line += fmt.Sprintf(" (%.0f%%)", 100*float64(u.Done)/float64(u.Total))
	}
	line += fmt.Sprintf(", %.0f attempts/s", rate)
	if rate > 0 && u.Done < u.Total {
		eta := time.Duration(float64(u.Total-u.Done) / rate * float64(time.Second))
		line += ", ETA " + eta.Round(time.Second).String()
	}
	return line
}

func (p *scoreProgress) finish() {
	if p.bar != nil && !p.bar.IsFinished() {
		p.bar.Finish()
	}
	p.bar = nil
}
