package assistments

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zpd-project/zpd/datasets"
)

// FuzzImportAssistments2009 checks that no input panics the 2009 importer and
// that whatever it accepts keeps the Importer's promises. Seeds are in
// testdata/fuzz/FuzzImportAssistments2009.
func FuzzImportAssistments2009(f *testing.F) {
	f.Add([]byte(header2009 + "1,10,100,\"Add, subtract\",1,5000,1,0,3\n1,10,100,B,1,5000,1,0,3\n"))
	fuzzImporter(f, New2009())
}

// FuzzImportAssistments2017 is FuzzImportAssistments2009 for the 2017 format.
func FuzzImportAssistments2017(f *testing.F) {
	f.Add([]byte(header2017 + "7,2,Female,300,area,11,1100000000,1100000010,10.0,1,1,0,0,3,0,0,1,0.5\n"))
	fuzzImporter(f, New2017())
}

func fuzzImporter(f *testing.F, imp datasets.Importer) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var attempts int64
		var last *datasets.Attempt
		sum, err := imp.Import(context.Background(), bytes.NewReader(data), "fuzz.csv", func(a *datasets.Attempt) error {
			attempts++
			checkAttempt(t, a, last, len(imp.Groups()))
			c := *a
			c.Skills = nil
			last = &c
			return nil
		})
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error is not one line naming the file: %q", err)
			}
			return
		}
		if attempts != sum.AttemptsWritten || attempts == 0 {
			t.Fatalf("emitted %d attempts, summary says %d", attempts, sum.AttemptsWritten)
		}
		if sum.RowsRead != sum.AttemptsWritten+sum.RowsCollapsed+sum.RejectedRows() {
			t.Fatalf("summary does not balance: %+v", sum)
		}
	})
}

// checkAttempt checks one emitted attempt against the schema's rules and the
// previous attempt (nil for the first) against the emit order.
func checkAttempt(t *testing.T, a, prev *datasets.Attempt, groups int) {
	t.Helper()
	if a.Learner == "" || a.Item == "" || !utf8.ValidString(a.Learner) || !utf8.ValidString(a.Item) {
		t.Fatalf("bad ids %q %q", a.Learner, a.Item)
	}
	if !slices.IsSorted(a.Skills) || len(slices.Compact(slices.Clone(a.Skills))) != len(a.Skills) {
		t.Fatalf("skills not a sorted set: %q", a.Skills)
	}
	for _, s := range a.Skills {
		if s == "" || !utf8.ValidString(s) {
			t.Fatalf("bad skill %q", s)
		}
	}
	if a.HintsUsed < 0 || a.Retries < 0 || a.HintsAvailable < datasets.Unknown || a.ResponseMS < 0 {
		t.Fatalf("negative count or time: %+v", a)
	}
	if a.Independent && a.Scaffolded {
		t.Fatalf("independent and scaffolded: %+v", a)
	}
	if a.Supported == a.AnswerGiven {
		t.Fatalf("supported and answer given must differ in ASSISTments: %+v", a)
	}
	if len(a.Groups) != groups {
		t.Fatalf("%d groups, want %d", len(a.Groups), groups)
	}
	if prev != nil && (a.Learner < prev.Learner || a.Learner == prev.Learner && a.Seq <= prev.Seq) {
		t.Fatalf("attempt %s#%d after %s#%d", a.Learner, a.Seq, prev.Learner, prev.Seq)
	}
}
