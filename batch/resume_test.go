package batch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zpd-project/zpd/datasets"
)

// TestResumeRedoesOnlyMissingParts damages a finished 4-part run as a
// crash or a disk would — a missing output, a missing receipt, a
// corrupted output — and checks that the rerun redoes exactly those parts
// and ends with the same files; a third run redoes nothing.
func TestResumeRedoesOnlyMissingParts(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeShuffledLog(t, dir, simConfig(11, 160, 120, 8), 2)
	modelDir := testModel(t)
	m, _ := loadTestModel(t, modelDir)
	cfg := Config{Model: modelDir, In: in, Out: filepath.Join(dir, "out"), Candidates: writeCandidates(t, dir, m.Params().Items[:3])}
	first := runParts(t, cfg, 4)
	if first.PartsScored != 4 || first.PartsReused != 0 {
		t.Fatalf("first run scored %d, reused %d parts; want 4, 0", first.PartsScored, first.PartsReused)
	}
	key := first.Manifest.RunKey
	out0, _ := key.partFiles(0, true)
	_, receipt1 := key.partFiles(1, true)
	out2, _ := key.partFiles(2, true)
	mustRemove(t, joinRel(cfg.Out, out0[0]))
	mustRemove(t, joinRel(cfg.Out, receipt1))
	corrupt(t, joinRel(cfg.Out, out2[1]))

	second := runParts(t, cfg, 4)
	if second.PartsScored != 3 || second.PartsReused != 1 {
		t.Errorf("rerun scored %d, reused %d parts; want 3, 1", second.PartsScored, second.PartsReused)
	}
	if !slices.Equal(second.Manifest.Files, first.Manifest.Files) {
		t.Errorf("rerun files\n%v\ndiffer from the first run's\n%v", second.Manifest.Files, first.Manifest.Files)
	}
	if _, err := VerifyManifest(filepath.Join(cfg.Out, ManifestName(cfg.Shard))); err != nil {
		t.Error(err)
	}
	third := runParts(t, cfg, 4)
	if third.PartsScored != 0 || third.AttemptsRead != 0 {
		t.Errorf("third run scored %d parts, read %d attempts; want nothing", third.PartsScored, third.AttemptsRead)
	}
}

func mustRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// corrupt flips one byte in the middle of the file.
func corrupt(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReplanRemovesStaleFiles reruns a shard with another plan (fewer
// parts, no candidates): its old files go, another shard's files stay.
func TestReplanRemovesStaleFiles(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeShuffledLog(t, dir, simConfig(13, 80, 120, 8), 1)
	modelDir := testModel(t)
	m, _ := loadTestModel(t, modelDir)
	out := filepath.Join(dir, "out")
	cands := writeCandidates(t, dir, m.Params().Items[:2])
	other := runParts(t, Config{Model: modelDir, In: in, Out: out, Candidates: cands, Shard: Shard{1, 2}}, 2)
	runParts(t, Config{Model: modelDir, In: in, Out: out, Candidates: cands, Shard: Shard{0, 2}}, 4)
	res := runParts(t, Config{Model: modelDir, In: in, Out: out, Shard: Shard{0, 2}}, 2)

	var want []string
	for _, f := range append(other.Manifest.Files, res.Manifest.Files...) {
		want = append(want, f.Path)
	}
	for _, s := range []Shard{{0, 2}, {1, 2}} {
		want = append(want, ManifestName(s))
		parts := map[int]int{0: 2, 1: 2}[s.Index]
		for p := range parts {
			k := RunKey{Shard: s, Parts: parts}
			_, receipt := k.partFiles(p, false)
			want = append(want, receipt)
		}
	}
	slices.Sort(want)
	if got := listFiles(t, out); !slices.Equal(got, want) {
		t.Errorf("files after replanning:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBadInputLeavesNoOutput checks that a run that fails names the
// problem (file, row, column where there is one) and leaves no output
// files, temporary files or spill directory.
func TestBadInputLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	modelDir := testModel(t)
	good, _ := writeShuffledLog(t, dir, simConfig(17, 40, 120, 8), 2)

	emptyID := filepath.Join(dir, "empty-id")
	if err := os.MkdirAll(emptyID, 0o755); err != nil {
		t.Fatal(err)
	}
	writeAttempts(t, filepath.Join(emptyID, "a.parquet"), []string{"u1", "u2", "", "u3"})
	garbage := filepath.Join(dir, "garbage")
	if err := os.MkdirAll(garbage, 0o755); err != nil {
		t.Fatal(err)
	}
	writeAttempts(t, filepath.Join(garbage, "a.parquet"), []string{"u1", "u2"})
	if err := os.WriteFile(filepath.Join(garbage, "b.parquet"), []byte("PAR1 this is not parquet PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknownCand := filepath.Join(dir, "cands.txt")
	if err := os.WriteFile(unknownCand, []byte("# items\nno-such-item\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		cfg        Config
		parts      int
		wantInErr  []string
		wantNoRead bool
	}{
		{"empty learner id, in memory", Config{In: emptyID}, 1, []string{"a.parquet", "row 2", datasets.ColLearner}, false},
		{"empty learner id, spilled", Config{In: emptyID}, 3, []string{"a.parquet", "row 2", datasets.ColLearner}, false},
		{"corrupt file", Config{In: garbage}, 2, []string{"b.parquet"}, false},
		{"missing input", Config{In: filepath.Join(dir, "nope.parquet")}, 0, []string{"nope.parquet"}, true},
		{"unknown candidate", Config{In: good, Candidates: unknownCand}, 0, []string{"cands.txt:2", "no-such-item"}, true},
		{"missing model", Config{In: good, Model: filepath.Join(dir, "no-model")}, 0, []string{"no-model"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Model == "" {
				cfg.Model = modelDir
			}
			cfg.Out = filepath.Join(t.TempDir(), "out")
			err := runPartsErr(cfg, tt.parts)
			if err == nil {
				t.Fatal("run succeeded, want an error")
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, f := range listFiles(t, cfg.Out) {
				t.Errorf("failed run left %s", f)
			}
			entries, _ := os.ReadDir(cfg.Out)
			for _, e := range entries {
				if e.IsDir() && strings.HasPrefix(e.Name(), ".spill") {
					t.Errorf("failed run left spill directory %s", e.Name())
				}
			}
		})
	}
}

// runPartsErr is runParts returning the error.
func runPartsErr(cfg Config, parts int) error {
	r, err := newRun(cfg, Options{})
	if err != nil {
		return err
	}
	if parts > 0 {
		r.key.Parts = parts
	}
	_, err = r.execute(context.Background())
	return err
}

// writeAttempts writes one attempt per learner id (Seq 1, item i1).
func writeAttempts(t *testing.T, path string, learners []string) {
	t.Helper()
	w, err := datasets.Create(path, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range learners {
		a := datasets.NewAttempt()
		a.Learner, a.Item, a.Seq, a.Independent, a.Supported = l, "i1", 1, true, true
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCancelLeavesNoOutput cancels a run before it starts reading.
func TestCancelLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeShuffledLog(t, dir, simConfig(19, 40, 120, 8), 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(dir, "out")
	_, err := Run(ctx, Config{Model: testModel(t), In: in, Out: out}, Options{})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("error %v, want cancellation", err)
	}
	if files := listFiles(t, out); len(files) > 0 {
		t.Errorf("cancelled run left %v", files)
	}
}

// TestCountsAndLastActivity checks the count and last-activity columns on
// a hand-made log: the latest timestamp need not be the largest seq's, and
// a learner with no timestamps gets a null last_timestamp.
func TestCountsAndLastActivity(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "log.parquet")
	w, err := datasets.Create(in, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(min int) time.Time { return time.Date(2024, 3, 1, 10, min, 0, 0, time.UTC) }
	for _, r := range []struct {
		learner     string
		seq         int64
		when        time.Time
		independent bool
		supported   bool
	}{
		{"a", 5, at(30), false, true},
		{"b", 1, time.Time{}, true, true},
		{"a", 2, at(10), true, true},
		{"a", 9, at(20), false, false},
		{"b", 4, time.Time{}, false, true},
	} {
		a := datasets.NewAttempt()
		a.Learner, a.Item, a.Seq, a.Time, a.Independent, a.Supported = r.learner, "i1", r.seq, r.when, r.independent, r.supported
		if err := w.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{1, 2} {
		out := filepath.Join(dir, "out", strconv.Itoa(parts))
		res := runParts(t, Config{Model: testModel(t), In: in, Out: out, AllowUnknownItems: true}, parts)
		if u := res.Manifest.UnknownCounts; u.Attempts != 5 || u.Items != 1 {
			t.Errorf("%d parts: unknown %+v, want 5 attempts at 1 item (i1)", parts, u)
		}
		rows := sortedLearners(readLearners(t, out))
		if len(rows) != 2 {
			t.Fatalf("%d parts: %d rows, want 2", parts, len(rows))
		}
		want := []learnerRow{
			{id: "a", attempts: 3, independent: 1, supported: 2, lastSeq: 9, lastTimeMS: at(30).UnixMilli()},
			{id: "b", attempts: 2, independent: 1, supported: 2, lastSeq: 4, lastTimeMS: noTime},
		}
		for i, w := range want {
			g := rows[i]
			if g.id != w.id || g.attempts != w.attempts || g.independent != w.independent || g.supported != w.supported ||
				g.lastSeq != w.lastSeq || g.lastTimeMS != w.lastTimeMS {
				t.Errorf("%d parts: row %+v, want %+v", parts, g, w)
			}
		}
	}
}

// TestUnknownItems: attempts at items the model does not know are counted
// in the manifest for the whole shard, however many parts; a shard where
// they are the majority is refused before any table is written, unless
// allowed.
func TestUnknownItems(t *testing.T) {
	dir := t.TempDir()
	m, _ := loadTestModel(t, testModel(t))
	known := m.Params().Items
	write := func(name string, items []string) string {
		in := filepath.Join(dir, name+".parquet")
		w, err := datasets.Create(in, datasets.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, item := range items {
			a := datasets.NewAttempt()
			a.Learner, a.Item, a.Seq, a.Independent, a.Supported = "u"+strconv.Itoa(i%7), item, int64(i), i%2 == 0, true
			if err := w.Write(&a); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return in
	}
	// 6 known attempts, 4 at 3 unknown items: a minority, scored.
	minority := write("minority", []string{known[0], "x1", known[1], "x2", known[2], known[3], "x1", known[4], "x3", known[5]})
	for _, parts := range []int{1, 3} {
		res := runParts(t, Config{Model: testModel(t), In: minority, Out: filepath.Join(dir, "min", strconv.Itoa(parts))}, parts)
		if u := res.Manifest.UnknownCounts; u.Attempts != 4 || u.Items != 3 {
			t.Errorf("%d parts: unknown %+v, want 4 attempts at 3 items", parts, u)
		}
	}
	// 2 known, 3 unknown: refused, then allowed.
	majority := write("majority", []string{"y1", known[0], "y2", "y1", known[1]})
	out := filepath.Join(dir, "maj")
	err := runPartsErr(Config{Model: testModel(t), In: majority, Out: out}, 1)
	if err == nil || !strings.Contains(err.Error(), "3 of 5 attempts") || !strings.Contains(err.Error(), "--allow-unknown-items") {
		t.Fatalf("majority unknown: error %v, want a refusal counting 3 of 5 attempts", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused run left %s behind (%v): want it not created", out, err)
	}
	// An --out that existed keeps what it held, and no empty part folders.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runPartsErr(Config{Model: testModel(t), In: majority, Out: out}, 1); err == nil {
		t.Fatal("majority unknown into an existing folder: no error")
	}
	if entries, err := os.ReadDir(out); err != nil || len(entries) != 1 || entries[0].Name() != "notes.txt" {
		t.Errorf("refused run into an existing folder: %v there (%v), want only notes.txt", entries, err)
	}
	res := runParts(t, Config{Model: testModel(t), In: majority, Out: out, AllowUnknownItems: true}, 1)
	if u := res.Manifest.UnknownCounts; u.Attempts != 3 || u.Items != 2 || res.Manifest.Learners != 5 {
		t.Errorf("allowed: unknown %+v, %d learners; want 3 attempts at 2 items, 5 learners", u, res.Manifest.Learners)
	}
}
