package batch

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"", Shard{0, 1}, ""},
		{"0/4", Shard{0, 4}, ""},
		{" 3 / 4 ", Shard{3, 4}, ""},
		{"4/4", Shard{}, "index < count"},
		{"-1/4", Shard{}, "index < count"},
		{"1/0", Shard{}, "index < count"},
		{"1", Shard{}, "want i/N"},
		{"a/b", Shard{}, "whole numbers"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseShard(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestLearnerHash checks the inlined FNV-1a against hash/fnv: shards on
// different machines must agree on it.
func TestLearnerHash(t *testing.T) {
	for _, id := range []string{"", "a", "learner-000123", "ünïcödé", strings.Repeat("x", 300)} {
		h := fnv.New64a()
		h.Write([]byte(id))
		if got, want := LearnerHash(id), mix64(h.Sum64()); got != want {
			t.Errorf("LearnerHash(%q) = %#x, want %#x", id, got, want)
		}
	}
}

// TestPlacementSplitsEvenly checks that every learner lands in exactly
// one shard and part, and that parts are about equal.
func TestPlacementSplitsEvenly(t *testing.T) {
	const learners, shards, parts = 20000, 3, 4
	counts := make([]int, shards*parts)
	for u := range learners {
		h := LearnerHash("learner-" + strings.Repeat("0", u%3) + string(rune('a'+u%26)) + itoa(u))
		found := 0
		for s := range shards {
			if p := (placement{Shard{s, shards}, parts}).part(h); p >= 0 {
				counts[s*parts+p]++
				found++
			}
		}
		if found != 1 {
			t.Fatalf("learner %d placed %d times", u, found)
		}
	}
	mean := learners / len(counts)
	for i, c := range counts {
		if c < mean*85/100 || c > mean*115/100 {
			t.Errorf("shard %d part %d holds %d learners, mean %d", i/parts, i%parts, c, mean)
		}
	}
}

func itoa(i int) string { return string(binary.AppendUvarint(nil, uint64(i))) }

// TestPlanPartsFitBudget checks that the planned parts hold no more
// attempts than the budget and the part cap allow, and that one part fewer
// would break one of them.
func TestPlanPartsFitBudget(t *testing.T) {
	for _, tt := range []struct {
		rows   int64
		shard  Shard
		budget int64
	}{
		{1000, Shard{0, 1}, 256 << 20},
		{10_000_000, Shard{0, 1}, 256 << 20},
		{10_000_000, Shard{2, 4}, 256 << 20},
		{1_000_000_000, Shard{0, 1}, 1 << 30},
		{3_000_000, Shard{0, 1}, 4 << 30},
	} {
		p := planParts(tt.rows, tt.shard, tt.budget)
		per := tt.rows / int64(tt.shard.Count) / int64(p)
		if per*bytesPerAttempt > tt.budget-reserveBytes || per > maxPartAttempts {
			t.Errorf("%d rows, shard %v, budget %d: %d parts of %d attempts exceed the budget or the cap", tt.rows, tt.shard, tt.budget, p, per)
		}
		if fewer := tt.rows / int64(tt.shard.Count) / max(int64(p-1), 1); p > 1 &&
			fewer*bytesPerAttempt < (tt.budget-reserveBytes)*8/10 && fewer < maxPartAttempts*9/10 {
			t.Errorf("%d rows, shard %v, budget %d: %d parts where %d would fit", tt.rows, tt.shard, tt.budget, p, p-1)
		}
	}
}

// A log claiming more attempts than a run can part is refused up front.
func TestCheckPartsBoundsThePlan(t *testing.T) {
	for _, tt := range []struct {
		rows int64
		ok   bool
	}{{1_000_000_000, true}, {8_000_000_000, true}, {1 << 40, false}, {1 << 62, false}} {
		err := checkParts(planParts(tt.rows, Shard{0, 1}, 1<<30), tt.rows)
		if (err == nil) != tt.ok {
			t.Errorf("%d rows: error %v, want ok=%v", tt.rows, err, tt.ok)
		}
	}
}

// TestSpillRoundTrip decodes encoded rows through a reader that returns a
// few bytes at a time and rows longer than the read chunk.
func TestSpillRoundTrip(t *testing.T) {
	type row struct {
		id          string
		seq, timeMS int64
		item        int32
		flags       uint8
		skills      []int32
		sameLearner bool // encoded as "the previous row's learner"
	}
	rows := []row{
		{"a", 1, 1600000000000, 3, flagIndependent | flagSupported, []int32{0, 5}, false},
		{strings.Repeat("long-id-", 200_000), -5, noTime, -1, 0, nil, false},
		{"a", 2, 1600000001000, 0, flagSupported, []int32{7}, false},
		{"a", 3, 1600000002000, 1, 0, []int32{7, 8}, true},
		{"b", 1 << 40, 0, 12, 0, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9}, false},
	}
	var buf bytes.Buffer
	for _, r := range rows {
		var enc []byte
		if r.sameLearner {
			enc = append(enc, 0)
		} else {
			enc = binary.AppendUvarint(enc, uint64(len(r.id))+1)
			enc = append(enc, r.id...)
		}
		enc = binary.AppendVarint(enc, r.seq)
		enc = binary.AppendVarint(enc, r.timeMS)
		enc = binary.AppendUvarint(enc, uint64(r.item+1))
		enc = append(enc, r.flags)
		enc = binary.AppendUvarint(enc, uint64(len(r.skills)))
		for _, k := range r.skills {
			enc = binary.AppendUvarint(enc, uint64(k))
		}
		buf.Write(binary.AppendUvarint(nil, uint64(len(enc))))
		buf.Write(enc)
	}
	whole := buf.Bytes()
	c := newCohort(0, 0)
	if err := decodeRows(&trickle{data: whole, n: 7}, c); err != nil {
		t.Fatal(err)
	}
	if c.Len() != len(rows) || len(c.ids) != 3 {
		t.Fatalf("decoded %d rows of %d learners, want %d of 3", c.Len(), len(c.ids), len(rows))
	}
	for i, r := range rows {
		got := row{c.ids[c.learner[i]], c.seq[i], c.timeMS[i], c.item[i], c.flags[i], slices.Clone(c.skillsOf(int32(i))), r.sameLearner}
		if got.id != r.id || got.seq != r.seq || got.timeMS != r.timeMS || got.item != r.item || got.flags != r.flags ||
			!slices.Equal(got.skills, r.skills) && len(r.skills) > 0 {
			t.Errorf("row %d decoded as %+v", i, got)
		}
	}
	for _, cut := range []int{1, len(whole) / 2, len(whole) - 1} {
		if err := decodeRows(bytes.NewReader(whole[:cut]), newCohort(0, 0)); err == nil {
			t.Errorf("truncated at %d of %d bytes: no error", cut, len(whole))
		}
	}
}

// trickle is a reader returning at most n bytes per call.
type trickle struct {
	data []byte
	n    int
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[k:]
	return k, nil
}

// TestGroupOrdersBySeq checks grouping: each learner's rows in Seq order,
// equal Seq in input order, learners sorted by id.
func TestGroupOrdersBySeq(t *testing.T) {
	c := newCohort(0, 0)
	for _, a := range []struct {
		id  string
		seq int64
	}{{"b", 3}, {"a", 9}, {"b", 1}, {"a", 2}, {"b", 3}, {"b", 2}} {
		c.add(c.intern(a.id), 0, a.seq, noTime, 0)
	}
	g := c.group()
	var ids []string
	for _, u := range g.order {
		ids = append(ids, c.ids[u])
	}
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("learner order %v", ids)
	}
	b := c.index["b"]
	if got := g.rows[g.start[b]:g.start[b+1]]; !slices.Equal(got, []int32{2, 5, 0, 4}) {
		t.Errorf("b's rows %v, want [2 5 0 4]", got)
	}
}

func TestReadCandidates(t *testing.T) {
	m, _ := loadTestModel(t, testModel(t))
	items := m.Params().Items
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		want    []string
		wantErr []string
	}{
		{"text", write("ok.txt", "# header\n"+items[3]+"\n\n  "+items[1]+"  \n"), []string{items[3], items[1]}, nil},
		{"parquet", writeItemParquet(t, filepath.Join(dir, "ok.parquet"), []string{items[2], items[0]}), []string{items[2], items[0]}, nil},
		{"unknown item", write("unknown.txt", items[0]+"\nnope\n"), nil, []string{"unknown.txt:2", `"nope"`, "not in the model"}},
		{"duplicate", write("dup.txt", items[0]+"\n"+items[0]+"\n"), nil, []string{"dup.txt:2", "repeats", "dup.txt:1"}},
		{"empty", write("empty.txt", "# nothing\n"), nil, []string{"empty.txt", "no item ids"}},
		{"parquet unknown", writeItemParquet(t, filepath.Join(dir, "bad.parquet"), []string{items[0], "zz"}), nil, []string{"bad.parquet: row 1: column item_id", `"zz"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sum, err := readCandidates(tt.path, m)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %v", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.id)
				if m.Params().Items[c.index] != c.id {
					t.Errorf("%s resolved to item %d (%s)", c.id, c.index, m.Params().Items[c.index])
				}
			}
			if !slices.Equal(ids, tt.want) || !strings.HasPrefix(sum, "sha256:") {
				t.Errorf("candidates %v (checksum %q), want %v", ids, sum, tt.want)
			}
		})
	}
}

// writeItemParquet writes ids as the item_id column of a Parquet file.
func writeItemParquet(t *testing.T, path string, ids []string) string {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{{Name: "item_id", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues(ids, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{160 << 20: "160MB", 3 << 29: "1.5GB", 512: "512B", 64 << 10: "64KB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
