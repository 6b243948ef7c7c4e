package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/store"
)

type learnersSettings struct {
	Store string `json:"store"`
	Data  string `json:"data"`
}

func newLearnersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "learners import|export --store STORE --data LOG",
		Short: "Move a whole attempt log into or out of the learner store of zpd serve --store",
		Long: `learners moves attempt logs between files and the learner store that
zpd serve --store keeps (docs/serve.md, Stateful pathways): import seeds the
store from history, export takes everything back out.

STORE is sqlite:PATH or postgres://USER@HOST/DB, the same as serve's --store
(the config key learners.store, or ZPD_LEARNERS_STORE). Both work while a
server uses the store.`,
		Example: `  zpd learners import --store sqlite:out/learners.db --data testdata/public/assistments2009-excerpt/as2009.parquet
  zpd learners export --store sqlite:out/learners.db --data out/learners.parquet`,
	}
	imp := &cobra.Command{
		Use:   "import --store STORE --data LOG",
		Short: "Append a log's attempts to the learners in the store",
		Long: `import reads an attempt log (checked as zpd validate does: a log with fatal
problems is refused) and appends each learner's attempts, in seq order, to
that learner in the store. Each attempt's event id is "seq:" and its seq, so
importing the same log again adds nothing. A learner whose stored attempts
reach past the log's first new seq is refused, naming the learner and the
attempt; learners before it stay imported, and a rerun skips them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := learnersSettingsFrom(cmd)
			if err != nil {
				return err
			}
			return runLearnersImport(cmd, s)
		},
	}
	exp := &cobra.Command{
		Use:   "export --store STORE --data LOG",
		Short: "Write every stored attempt to a log file",
		Long: `export writes every learner's stored attempts, in learner id and seq order,
to an attempt log (Parquet, or Arrow IPC for .arrow; docs/data.md), with the
group columns of the imported logs. The file appears only when complete. The
log schema has no place for event ids or mastery-check marks: GET
/v1/learners/{learner_id}/export gives those.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := learnersSettingsFrom(cmd)
			if err != nil {
				return err
			}
			return runLearnersExport(cmd, s)
		},
	}
	for _, c := range []*cobra.Command{imp, exp} {
		c.Flags().String("store", "", "learner store: sqlite:PATH or postgres://USER@HOST/DB")
		addDataFlag(c, "attempt log file to read (import) or write (export)")
	}
	cmd.AddCommand(imp, exp)
	return cmd
}

func learnersSettingsFrom(cmd *cobra.Command) (learnersSettings, error) {
	var s learnersSettings
	if err := loadConfig(cmd, "learners", &s); err != nil {
		return s, err
	}
	if s.Store == "" || s.Data == "" {
		return s, fmt.Errorf("learners %s: give --store and --data", cmd.Name())
	}
	return s, nil
}

func runLearnersImport(cmd *cobra.Command, s learnersSettings) error {
	ctx := cmd.Context()
	log, err := datasets.ReadLog(s.Data, datasets.ReadOptions{})
	if err != nil {
		return fmt.Errorf("learners import: %w", err)
	}
	st, err := store.Open(ctx, s.Store, store.Options{})
	if err != nil {
		return fmt.Errorf("learners import: %w", err)
	}
	defer st.Close()
	var learners, added, skipped int
	var batch []store.Attempt
	for u, rows := range log.Histories() {
		if len(rows) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("learners import: interrupted after %d learners: %w", learners, err)
		}
		id := log.Learners.ID(int32(u))
		batch = batch[:0]
		for _, r := range rows {
			batch = append(batch, storedAttempt(log, int(r)))
		}
		_, n, err := st.Append(ctx, id, batch, nil)
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			return fmt.Errorf("learners import: %s: learner %q, seq %d: %s (%d learners imported before it; a rerun skips them)",
				s.Data, id, batch[ce.Index].Seq, ce.Msg, learners)
		}
		if err != nil {
			return fmt.Errorf("learners import: learner %q: %w", id, err)
		}
		learners++
		added += n
		skipped += len(batch) - n
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s → %s: %d learners, %d attempts added, %d already stored\n",
		s.Data, store.Redact(s.Store), learners, added, skipped)
	return nil
}

// storedAttempt is row r of log as the store keeps it.
func storedAttempt(log *datasets.Log, r int) store.Attempt {
	a := log.At(r)
	sa := store.Attempt{EventID: "seq:" + strconv.FormatInt(a.Seq, 10), Seq: a.Seq, Time: a.Time, Item: a.Item, Skills: a.Skills,
		Independent: a.Independent, Supported: a.Supported, HintsUsed: a.HintsUsed, HintsAvailable: a.HintsAvailable,
		Retries: a.Retries, Scaffolded: a.Scaffolded, AnswerGiven: a.AnswerGiven, ResponseMS: a.ResponseMS, Difficulty: a.Difficulty}
	if len(log.GroupNames) > 0 {
		sa.Groups = make(map[string]string, len(log.GroupNames))
		for g, name := range log.GroupNames {
			sa.Groups[name] = a.Groups[g]
		}
	}
	return sa
}

func runLearnersExport(cmd *cobra.Command, s learnersSettings) (err error) {
	ctx := cmd.Context()
	st, err := store.Open(ctx, s.Store, store.Options{})
	if err != nil {
		return fmt.Errorf("learners export: %w", err)
	}
	defer st.Close()
	// The writer needs the group columns first: one pass to find them.
	groups := map[string]bool{}
	if err := st.Export(ctx, func(l *store.Learner) error {
		for _, a := range l.Attempts {
			for name := range a.Groups {
				groups[name] = true
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("learners export: %w", err)
	}
	names := slices.Sorted(maps.Keys(groups))
	w, err := datasets.Create(s.Data, datasets.WriteOptions{Groups: names})
	if err != nil {
		return fmt.Errorf("learners export: %w", err)
	}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	var learners, attempts int
	err = st.Export(ctx, func(l *store.Learner) error {
		learners++
		for i := range l.Attempts {
			sa := &l.Attempts[i]
			a := datasets.Attempt{Learner: l.ID, Item: sa.Item, Skills: sa.Skills, Seq: sa.Seq, Time: sa.Time,
				Independent: sa.Independent, Supported: sa.Supported, HintsUsed: sa.HintsUsed, HintsAvailable: sa.HintsAvailable,
				Retries: sa.Retries, Scaffolded: sa.Scaffolded, AnswerGiven: sa.AnswerGiven, ResponseMS: sa.ResponseMS, Difficulty: sa.Difficulty}
			if len(names) > 0 {
				a.Groups = make([]string, len(names))
				for g, name := range names {
					a.Groups[g] = sa.Groups[name]
				}
			}
			if err := w.Write(&a); err != nil {
				return err
			}
			attempts++
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("learners export: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("learners export: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s → %s: %d learners, %d attempts\n", store.Redact(s.Store), s.Data, learners, attempts)
	return nil
}
