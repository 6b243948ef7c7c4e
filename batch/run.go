package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/pathway"
)

// DefaultMemoryBudget is Config.MemoryBudget when it is zero.
const DefaultMemoryBudget = 1 << 30

// Config says what to score and where to write it. Keys are the json tags
// (zpd score's config section).
type Config struct {
	// Model is the elasticity artifact directory.
	Model string `json:"model"`
	// In is the attempt log: a file, a directory or a Hive-partitioned tree.
	In string `json:"in"`
	// Out is the output directory (created if needed).
	Out string `json:"out"`
	// Candidates, when set, is a file of item ids (see docs/score.md) for
	// the readiness table.
	Candidates string `json:"candidates"`
	// Recommend, when > 0, writes the recommendations table: this many next
	// items per learner from the candidates, by Policy (a pathway policy
	// name; empty: zpd-pod). It needs Candidates.
	Recommend int    `json:"recommend"`
	Policy    string `json:"policy"`
	// Shard selects this process's learners; the zero value is all of them.
	Shard Shard `json:"shard"`
	// MemoryBudget bounds the memory the run plans for, in bytes; zero
	// means DefaultMemoryBudget.
	MemoryBudget int64 `json:"memory_budget"`
	// Workers is the number of scoring goroutines; zero means GOMAXPROCS.
	Workers int `json:"workers"`
	// AllowUnknownItems scores a shard even when most of its attempts are
	// at items the model does not know (a model trained on another log);
	// otherwise Run refuses it before writing any table.
	AllowUnknownItems bool `json:"allow_unknown_items"`
}

// Progress reports a run's advance, in attempts.
type Progress struct {
	// Stage is "read" (reading the log into memory), "spill"
	// (partitioning it to temporary files) or "score".
	Stage string
	// Done of Total attempts; Total is an estimate during read and spill
	// (the whole log, every shard's rows).
	Done, Total int64
}

// Options are a run's callbacks and labels.
type Options struct {
	// Progress, when set, is called from one goroutine as the run advances.
	Progress func(Progress)
	// BuildVersion is recorded in the manifest.
	BuildVersion string
}

// Result summarises a run.
type Result struct {
	Manifest *Manifest `json:"manifest"`
	// PartsScored parts were computed by this run; PartsReused were found
	// complete from an earlier run.
	PartsScored int `json:"parts_scored"`
	PartsReused int `json:"parts_reused"`
	// AttemptsRead is how many log rows this run read (zero when every
	// part was reused).
	AttemptsRead int64         `json:"attempts_read"`
	Elapsed      time.Duration `json:"elapsed_ns"`
}

// run is one Run's state.
type run struct {
	cfg      Config
	opts     Options
	model    *elasticity.Model
	key      RunKey
	cands    []candidate
	policy   pathway.Policy
	manifest Manifest
	receipts []*Receipt
	rows     int64 // estimated log rows
	read     int64 // rows read
	// inShard and unknown count the shard's attempts, and those at items
	// the model does not know, once the log has been read.
	inShard int64
	unknown UnknownCounts
	// groupRows are the row-group sizes of the learners and readiness
	// tables (learnerGroupRows, readinessGroupRows; tests make them small).
	groupRows [2]int
}

// Run scores the learners of cfg.In in shard cfg.Shard with the model in
// cfg.Model and writes the tables, receipts and manifest under cfg.Out.
// Parts finished by an earlier run with the same model, input, candidates
// and plan are kept. On failure nothing half-written is left: finished
// parts keep their receipts, the rest leave no files.
func Run(ctx context.Context, cfg Config, opts Options) (*Result, error) {
	start := time.Now()
	r, err := newRun(cfg, opts)
	if err != nil {
		return nil, err
	}
	// A safety net, not the plan: the parts are sized so that the heap
	// stays under the budget without the collector being forced. A lower
	// limit already set (GOMEMLIMIT) is kept.
	if old := debug.SetMemoryLimit(-1); r.cfg.MemoryBudget < old {
		debug.SetMemoryLimit(r.cfg.MemoryBudget)
		defer debug.SetMemoryLimit(old)
	}
	res, err := r.execute(ctx)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// newRun checks cfg, loads the model and candidates and plans the parts.
func newRun(cfg Config, opts Options) (*run, error) {
	if cfg.Model == "" || cfg.In == "" || cfg.Out == "" {
		return nil, errors.New("score: the model, input and output paths are required")
	}
	cfg.Shard = cfg.Shard.normalized()
	if err := cfg.Shard.check(); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	if cfg.MemoryBudget == 0 {
		cfg.MemoryBudget = DefaultMemoryBudget
	}
	if cfg.MemoryBudget < MinMemoryBudget {
		return nil, fmt.Errorf("score: memory budget %s is below the minimum %s", FormatBytes(cfg.MemoryBudget), FormatBytes(MinMemoryBudget))
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	m, meta, err := loadModel(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	r := &run{cfg: cfg, opts: opts, model: m, groupRows: [2]int{learnerGroupRows, readinessGroupRows}}
	r.key = RunKey{FormatVersion: FormatVersion, ModelVersion: meta.ModelVersion, ModelParamsSHA: meta.ParamsSHA256, Shard: cfg.Shard}
	if cfg.Candidates != "" {
		if r.cands, r.key.CandidatesSHA256, err = readCandidates(cfg.Candidates, m); err != nil {
			return nil, fmt.Errorf("score: %w", err)
		}
	}
	if cfg.Recommend < 0 || cfg.Recommend > 0 && len(r.cands) == 0 {
		return nil, fmt.Errorf("score: recommend = %d: want >= 0, and candidates to recommend from", cfg.Recommend)
	}
	if cfg.Recommend > 0 {
		if cfg.Policy == "" {
			cfg.Policy = pathway.ZPDPoDName
			r.cfg.Policy = cfg.Policy
		}
		if r.policy, err = pathway.New(cfg.Policy, pathway.DefaultConfig()); err != nil {
			return nil, fmt.Errorf("score: %w", err)
		}
		r.key.Recommend, r.key.Policy = cfg.Recommend, cfg.Policy
	}
	if r.key.InputFingerprint, err = datasets.Fingerprint(cfg.In); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	if r.rows, err = estimateRows(cfg.In); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	r.key.Parts = planParts(r.rows, cfg.Shard, cfg.MemoryBudget)
	if err := checkParts(r.key.Parts, r.rows); err != nil {
		return nil, fmt.Errorf("score: %s: %w", cfg.In, err)
	}
	return r, nil
}

// execute reuses finished parts, scores the others and writes the manifest.
func (r *run) execute(ctx context.Context) (*Result, error) {
	out := r.cfg.Out
	r.manifest = Manifest{RunKey: r.key, Input: r.cfg.In, Candidates: r.cfg.Candidates, CandidateItems: len(r.cands), BuildVersion: r.opts.BuildVersion}
	if m, ok := loadManifest(out, &r.key); ok {
		return &Result{Manifest: m, PartsReused: r.key.Parts}, nil
	}
	for _, dir := range []string{LearnersDir, ReadinessDir, ReceiptsDir} {
		if err := refuseSymlink(filepath.Join(out, dir)); err != nil {
			return nil, err
		}
	}
	created, err := makeDirs(out, r.dirs())
	if err != nil {
		removeEmpty(created)
		return nil, err
	}
	if err := removeStale(out, &r.key, len(r.cands) > 0); err != nil {
		return nil, err
	}
	r.receipts = make([]*Receipt, r.key.Parts)
	todo := make([]bool, r.key.Parts)
	res := &Result{}
	for p := range todo {
		r.receipts[p], _ = loadReceipt(out, &r.key, p, len(r.cands) > 0)
		todo[p] = r.receipts[p] == nil
		if todo[p] {
			res.PartsScored++
		} else {
			res.PartsReused++
		}
	}
	if res.PartsScored > 0 {
		if err := r.scoreParts(ctx, todo); err != nil {
			// A refused log leaves --out as it found it, not a tree of
			// empty part folders.
			removeEmpty(created)
			return nil, err
		}
	}
	if err := r.writeManifest(); err != nil {
		return nil, err
	}
	res.Manifest, res.AttemptsRead = &r.manifest, r.read
	return res, nil
}

// makeDirs creates out and its subfolders dirs, and returns the folders it
// created (out first), which did not exist before.
func makeDirs(out string, dirs []string) ([]string, error) {
	var created []string
	for _, p := range append([]string{out}, dirs...) {
		if p != out {
			p = filepath.Join(out, p)
		}
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return created, err
		}
		created = append(created, p)
	}
	return created, nil
}

// removeEmpty removes, last first, those of the folders makeDirs created
// that are still empty; a folder holding anything stays.
func removeEmpty(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		os.Remove(created[i]) // fails, and keeps it, when not empty
	}
}

// refuseSymlink fails when path is a symbolic link: score writes, and
// removes stale files of its own naming, only inside --out, never in a
// folder a link leads elsewhere.
func refuseSymlink(path string) error {
	info, err := os.Lstat(path)
	if err == nil && info.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symlink: score writes and removes files only inside --out; replace it with a directory", path)
	}
	return nil
}

func (r *run) dirs() []string {
	if r.key.Recommend > 0 {
		return []string{LearnersDir, ReadinessDir, RecommendationsDir, ReceiptsDir}
	}
	if len(r.cands) > 0 {
		return []string{LearnersDir, ReadinessDir, ReceiptsDir}
	}
	return []string{LearnersDir, ReceiptsDir}
}

// scoreParts scores the parts in todo: straight from the log when the
// shard is one part, else through spill files.
func (r *run) scoreParts(ctx context.Context, todo []bool) error {
	if r.key.Parts == 1 {
		c, err := r.readCohort(ctx)
		if err != nil {
			return err
		}
		if err := r.checkUnknown(); err != nil {
			return err
		}
		r.report(Progress{Stage: "score", Total: int64(c.Len())})
		return r.scorePart(ctx, 0, c, &scoreProgress{r: r, total: int64(c.Len())})
	}
	dir, err := r.spillDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sp, err := r.spill(ctx, dir, todo)
	if err != nil {
		return err
	}
	if err := r.checkUnknown(); err != nil {
		sp.close()
		return err
	}
	prog := &scoreProgress{r: r}
	for p, rows := range sp.rows {
		if todo[p] {
			prog.total += rows
		}
	}
	r.report(Progress{Stage: "score", Total: prog.total})
	var c *cohort
	for p := range todo {
		if !todo[p] {
			continue
		}
		// The previous part's cohort is reused; collect the rest of it
		// (grouping, learner ids) before loading this one, or the heap
		// would hold both until the collector's next cycle.
		runtime.GC()
		if c, err = sp.load(p, c); err != nil {
			return err
		}
		if err := r.scorePart(ctx, p, c, prog); err != nil {
			return err
		}
	}
	return nil
}

// spillDir makes the temporary directory for spill files under the output,
// first removing any left by an interrupted run of the same shard.
func (r *run) spillDir() (string, error) {
	prefix := ".spill." + r.key.Shard.name() + "-"
	stale, _ := filepath.Glob(filepath.Join(r.cfg.Out, prefix+"*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	return os.MkdirTemp(r.cfg.Out, prefix+"*")
}

// scoreProgress adds up scored attempts across parts.
type scoreProgress struct {
	r           *run
	done, total int64
}

func (s *scoreProgress) add(n int64) {
	s.done += n
	s.r.report(Progress{Stage: "score", Done: s.done, Total: s.total})
}

func (r *run) report(p Progress) {
	if r.opts.Progress != nil {
		r.opts.Progress(p)
	}
}

// scorePart groups and scores part p's cohort and writes its tables and
// receipt.
func (r *run) scorePart(ctx context.Context, p int, c *cohort, prog *scoreProgress) (err error) {
	g := c.group()
	outputs, receiptPath := r.key.partFiles(p, len(r.cands) > 0)
	learners, err := newLearnersTable(r.cfg.Out, outputs[0], r.key.ModelVersion, r.groupRows[0])
	if err != nil {
		return err
	}
	defer learners.abort()
	var ready *readinessTable
	if len(r.cands) > 0 {
		if ready, err = newReadinessTable(r.cfg.Out, outputs[1], r.groupRows[1]); err != nil {
			return err
		}
		defer ready.abort()
	}
	var recs *recommendationsTable
	if r.policy != nil {
		if recs, err = newRecommendationsTable(r.cfg.Out, outputs[2], r.key.Policy, r.groupRows[1]); err != nil {
			return err
		}
		defer recs.abort()
	}
	ps := &partScorer{m: r.model, cands: r.cands, workers: r.cfg.Workers, progress: prog.add, policy: r.policy, recommend: r.cfg.Recommend}
	if err := ps.score(ctx, c, g, learners, ready, recs); err != nil {
		return err
	}
	rec := &Receipt{RunKey: r.key, Part: p, Learners: int64(len(g.order)), Attempts: int64(c.Len()), UnknownCounts: r.unknown}
	tables := []*table{learners.table}
	if ready != nil {
		tables = append(tables, ready.table)
	}
	if recs != nil {
		tables = append(tables, recs.table)
	}
	for _, t := range tables {
		f, err := t.commit()
		if err != nil {
			return err
		}
		rec.Files = append(rec.Files, f)
	}
	if ready != nil {
		rec.ReadinessRows = ready.rows
	}
	if recs != nil {
		rec.RecommendationRows = recs.rows
	}
	if err := writeJSON(joinRel(r.cfg.Out, receiptPath), rec); err != nil {
		return err
	}
	r.receipts[p] = rec
	return nil
}

// checkUnknown refuses a shard most of whose attempts are at items the
// model does not know, unless the config allows it: such a run "succeeds"
// with every learner at the prior, which is a wrong model, not a result.
func (r *run) checkUnknown() error {
	if r.cfg.AllowUnknownItems || 2*r.unknown.Attempts <= r.inShard {
		return nil
	}
	return fmt.Errorf("%d of %d attempts (%.0f%%) are at %d items the model in %s does not know (was it trained on another log?). Score with a model trained on this log, or allow it with --allow-unknown-items",
		r.unknown.Attempts, r.inShard, 100*float64(r.unknown.Attempts)/float64(r.inShard), r.unknown.Items, r.cfg.Model)
}

// Row-group sizes of the output tables.
const (
	learnerGroupRows   = 1 << 15
	readinessGroupRows = 1 << 15
)

// writeManifest sums the receipts into the shard's manifest.
func (r *run) writeManifest() error {
	m := &r.manifest
	m.CreatedAt = time.Now().UTC()
	if len(r.receipts) > 0 {
		m.UnknownCounts = r.receipts[0].UnknownCounts // the same in every receipt
	}
	for _, rec := range r.receipts {
		m.Learners += rec.Learners
		m.Attempts += rec.Attempts
		m.ReadinessRows += rec.ReadinessRows
		m.RecommendationRows += rec.RecommendationRows
		m.Files = append(m.Files, rec.Files...)
	}
	return writeJSON(filepath.Join(r.cfg.Out, ManifestName(r.key.Shard)), m)
}
