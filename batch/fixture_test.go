package batch

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/simulate"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// fixtureDir holds files shared by the package's tests, made once.
var fixture struct {
	once  sync.Once
	dir   string
	model string
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// simConfig is a small simulated cohort: learners × 10 to 40 attempts
// over 120 items and 8 skills.
func simConfig(seed uint64, learners, items, skills int) simulate.Config {
	cfg := simulate.DefaultConfig()
	cfg.Seed = seed
	cfg.Learners, cfg.MinAttempts, cfg.MaxAttempts = learners, 10, 40
	cfg.Items, cfg.Skills = items, skills
	return cfg
}

// testModel returns the directory of an elasticity artifact fitted on a
// simulated cohort with the scoring cohorts' item ids (item-000 to
// item-119) but fewer skills, so scoring meets skills the model never saw.
// (With 100 items the ids were item-00 to item-99: every scored attempt was
// at an unknown item, which Run now refuses.)
func testModel(t testing.TB) string {
	t.Helper()
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "zpd-batch-test-")
		if fixture.err != nil {
			return
		}
		log, _, err := simulate.SimulateLog(simConfig(7, 300, 120, 6))
		if err != nil {
			fixture.err = err
			return
		}
		m, err := elasticity.Fit(context.Background(), log, elasticity.DefaultConfig(), 1, nil)
		if err != nil {
			fixture.err = err
			return
		}
		fixture.model = filepath.Join(fixture.dir, "model")
		fixture.err = artifact.Save(fixture.model, m, artifact.Metadata{}, "test model\n")
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.model
}

// writeShuffledLog simulates a cohort and writes it to dir/log as files
// of rows in random order (so each learner's attempts are scattered and
// out of Seq order), the last file in Arrow IPC. It returns the log path
// and the log as read back.
func writeShuffledLog(t testing.TB, dir string, cfg simulate.Config, files int) (string, *datasets.Log) {
	t.Helper()
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "log")
	writeRows(t, root, log, rand.New(rand.NewPCG(cfg.Seed, 99)).Perm(log.Len()), files, false)
	back, err := datasets.ReadLog(root, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return root, back
}

// writeHiveLog writes the cohort's rows in random order as a Hive tree,
// one directory per file (term=a/, term=b/, …): the Reader adds the key as
// the group column group_term. It returns the root and the log read back.
func writeHiveLog(t testing.TB, dir string, cfg simulate.Config, files int) (string, *datasets.Log) {
	t.Helper()
	log, _, err := simulate.SimulateLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "hive")
	writeRows(t, root, log, rand.New(rand.NewPCG(cfg.Seed, 98)).Perm(log.Len()), files, true)
	back, err := datasets.ReadLog(root, datasets.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.GroupNames) != 1 || back.GroupNames[0] != "group_term" {
		t.Fatalf("Hive tree read with groups %v, want [group_term]", back.GroupNames)
	}
	return root, back
}

// writeRows writes log's rows in order over files files under root, the
// last in Arrow IPC; with hive each file goes in its own term=x directory.
func writeRows(t testing.TB, root string, log *datasets.Log, order []int, files int, hive bool) {
	t.Helper()
	per := (len(order) + files - 1) / files
	for f := range files {
		sub := root
		if hive {
			sub = filepath.Join(root, "term="+string(rune('a'+f)))
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(sub, "part-"+string(rune('a'+f))+".parquet")
		if f == files-1 {
			name = filepath.Join(sub, "part-"+string(rune('a'+f))+".arrow")
		}
		w, err := datasets.Create(name, datasets.WriteOptions{Groups: log.GroupNames, RowGroupRows: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range order[f*per : min((f+1)*per, len(order))] {
			a := log.At(i)
			if err := w.Write(&a); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
