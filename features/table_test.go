package features

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets"
)

// randomLog returns a log of learners × up to 30 attempts over 12 items
// and 5 skills, rows shuffled so log order is not seq order. An item's
// skills are fixed (q_j exercises s_{j mod 5}, and every third item also
// s_{j+1 mod 5}); a fifth of the attempts list none, and learner u1
// (never truncated by CheckNoLeakage) lists every item's first.
func randomLog(learners int, seed uint64) *datasets.Log {
	rng := rand.New(rand.NewPCG(seed, 3))
	itemSkills := func(j int) []string {
		sk := []string{"s" + strconv.Itoa(j%5)}
		if j%3 == 0 {
			sk = append(sk, "s"+strconv.Itoa((j+1)%5))
		}
		return sk
	}
	var rows []datasets.Attempt
	for u := range learners {
		n := 1 + rng.IntN(30)
		if u == 1 {
			n = 12
		}
		for s := range n {
			a := datasets.NewAttempt()
			a.Learner = "u" + strconv.Itoa(u)
			j := rng.IntN(12)
			if u == 1 {
				j = s
			}
			a.Item = "q" + strconv.Itoa(j)
			if rng.IntN(5) > 0 || u == 1 {
				a.Skills = itemSkills(j)
			}
			a.Seq = int64(10*s + rng.IntN(5))
			a.Independent = rng.IntN(2) == 0
			a.Supported = a.Independent || rng.IntN(2) == 0
			if !a.Independent {
				a.HintsUsed = int32(rng.IntN(3))
			}
			rows = append(rows, a)
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	log := datasets.NewLog()
	for i := range rows {
		log.Append(&rows[i])
	}
	return log
}

// featureRow is one row of the table, keyed by (learner, seq), with every
// feature column.
type featureRow struct {
	fromItem bool
	ints     [8]int32
	floats   [7]float64
	hints    float64
	extra    []float64
}

func tableRows(t *testing.T, log *datasets.Log, extra Extra) map[string]featureRow {
	t.Helper()
	tab := NewTable(log, 0.5, extra)
	out := map[string]featureRow{}
	var c Chunk
	for tab.Next(&c, 7) {
		for i, r := range c.Row {
			key := log.Learners.ID(log.Learner[r]) + "@" + strconv.FormatInt(log.Seq[r], 10)
			fr := featureRow{
				fromItem: c.SkillsFromItem[i],
				ints: [8]int32{c.PriorAttempts[i], c.PriorIndependent[i], c.PriorSupported[i], c.PriorFailed[i],
					c.PriorHinted[i], c.ItemPriorAttempts[i], c.ItemPriorIndependent[i], 0},
				floats: [7]float64{c.SkillPrior[0][i], c.SkillPrior[1][i], c.SkillPrior[2][i],
					c.SkillRecent[0][i], c.SkillRecent[1][i], c.SkillRecent[2][i], c.SkillStreak[i]},
				hints: c.PriorHints[i],
			}
			for _, col := range c.Extra {
				fr.extra = append(fr.extra, col[i])
			}
			out[key] = fr
		}
	}
	return out
}

// truncate returns log without learner's attempts after seq.
func truncate(log *datasets.Log, learner string, seq int64) *datasets.Log {
	out := datasets.NewLog()
	for i := range log.Len() {
		a := log.At(i)
		if a.Learner == learner && a.Seq > seq {
			continue
		}
		out.Append(&a)
	}
	return out
}

// TestTableNoLeakage: truncating a learner's history after attempt t never
// changes the features of attempts ≤ t (of any learner). Item metadata (an
// item's skills) comes from the log as a whole, as the fit takes it; the
// log lists every item's skills on a learner kept whole.
func TestTableNoLeakage(t *testing.T) {
	CheckNoLeakage(t, randomLog(40, 1), nil)
}

// CheckNoLeakage runs the truncation check on log with extra (exported to
// tests of Extra implementations through this package's test helpers).
func CheckNoLeakage(t *testing.T, log *datasets.Log, extra Extra) {
	t.Helper()
	full := tableRows(t, log, extra)
	hist := log.Histories()
	rng := rand.New(rand.NewPCG(9, 9))
	checked := 0
	for u, rows := range hist {
		id := log.Learners.ID(int32(u))
		if len(rows) < 2 || u%3 != 0 || id == "u1" {
			continue
		}
		cut := rows[rng.IntN(len(rows)-1)]
		short := truncate(log, id, log.Seq[cut])
		got := tableRows(t, short, extra)
		if len(got) >= len(full) {
			t.Fatalf("truncation removed nothing")
		}
		for key, row := range got {
			if want := full[key]; !reflect.DeepEqual(row, want) {
				t.Errorf("learner %s cut after seq %d: row %s changed\n got %+v\nwant %+v", id, log.Seq[cut], key, row, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no rows checked")
	}
}

func TestTableByHand(t *testing.T) {
	log := datasets.NewLog()
	add := func(item string, skills []string, seq int64, ind, sup bool, hints int32) {
		a := datasets.NewAttempt()
		a.Learner, a.Item, a.Skills, a.Seq, a.Independent, a.Supported, a.HintsUsed = "u", item, skills, seq, ind, sup, hints
		log.Append(&a)
	}
	add("q", []string{"a"}, 3, false, true, 2) // third in seq order
	add("q", []string{"a"}, 1, true, true, 0)
	add("r", []string{"a", "b"}, 2, false, false, 1)
	add("q", nil, 4, true, true, 0) // no skills listed: q's (a)
	rows := tableRows(t, log, nil)
	// seq 4: earlier 1 (I), 2 (F, hints 1), 3 (S, hints 2); on q: 1 (I), 3 (S);
	// on a: I, F, S, newest first S(1), F(.5), I(.25); streak 0.
	got := rows["u@4"]
	want := featureRow{fromItem: true, ints: [8]int32{3, 1, 1, 1, 2, 2, 1, 0},
		floats: [7]float64{1, 1, 1, 0.5, 1, 0.25, 0}, hints: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("u@4: got %+v\nwant %+v", got, want)
	}
	// seq 2 on skills a and b: a has I(1), b nothing: means 0.5 and streak 0.5.
	if got := rows["u@2"]; got.floats != [7]float64{0, 0, 0.5, 0, 0, 0.5, 0.5} || got.fromItem {
		t.Errorf("u@2: got %+v", got)
	}
	if got := rows["u@1"]; got.ints != [8]int32{} || got.floats != [7]float64{} {
		t.Errorf("first attempt has features %+v", got)
	}
}

func TestWriteParquetParts(t *testing.T) {
	log := randomLog(60, 2)
	dir := t.TempDir()
	// A stale part of an earlier, longer run must go.
	stale := filepath.Join(dir, PartName(40))
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := WriteParquet(context.Background(), log, dir, 0.5, nil, WriteOptions{RowsPerFile: 200, RowGroup: 64})
	if err != nil {
		t.Fatal(err)
	}
	if w.Rows != int64(log.Len()) || len(w.Files) < 3 {
		t.Fatalf("wrote %+v for %d attempts", w, log.Len())
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale part file kept")
	}
	want := tableRows(t, log, nil)
	var seen []string
	for _, name := range w.Files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		pf, err := file.NewParquetReader(f)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantSchema := Schema(nil)
		for i, f := range tbl.Schema().Fields() {
			if wf := wantSchema.Field(i); f.Name != wf.Name || !arrow.TypeEqual(f.Type, wf.Type) {
				t.Errorf("%s: column %d is %s %s, want %s %s", name, i, f.Name, f.Type, wf.Name, wf.Type)
			}
		}
		rd := array.NewTableReader(tbl, 0)
		for rd.Next() {
			rec := rd.RecordBatch()
			col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
			learners := col("learner_id").(*array.String)
			seqs := col("seq").(*array.Int64)
			prior := col("prior_attempts").(*array.Int32)
			recent := col("skill_recent_independent").(*array.Float64)
			for i := range int(rec.NumRows()) {
				key := learners.Value(i) + "@" + strconv.FormatInt(seqs.Value(i), 10)
				if w := want[key]; prior.Value(i) != w.ints[0] || recent.Value(i) != w.floats[5] {
					t.Errorf("%s: prior_attempts %d, skill_recent_independent %v; table %+v", key, prior.Value(i), recent.Value(i), w)
				}
				seen = append(seen, key)
			}
		}
		rd.Release()
		tbl.Release()
		pf.Close()
	}
	slices.Sort(seen)
	if len(seen) != log.Len() || len(slices.Compact(seen)) != log.Len() {
		t.Errorf("files hold %d rows (%d distinct), log %d", len(seen), len(slices.Compact(seen)), log.Len())
	}
}

func TestWriteParquetEmptyAndCancelled(t *testing.T) {
	dir := t.TempDir()
	w, err := WriteParquet(context.Background(), datasets.NewLog(), dir, 0.5, nil, WriteOptions{})
	if err != nil || w.Rows != 0 || !slices.Equal(w.Files, []string{PartName(0)}) {
		t.Errorf("empty log: %+v, %v; want one empty part", w, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir = t.TempDir()
	if _, err := WriteParquet(ctx, randomLog(30, 4), dir, 0.5, nil, WriteOptions{RowsPerFile: 50, RowGroup: 10}); err == nil {
		t.Error("a cancelled write succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled write left %d entries", len(entries))
	}
}
