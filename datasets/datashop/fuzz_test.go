package datashop

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zpd-project/zpd/datasets"
)

// FuzzImportDataShop checks that no input panics the step-export importer and
// that whatever it accepts keeps the Importer's promises. Seeds are in
// testdata/fuzz/FuzzImportDataShop.
func FuzzImportDataShop(f *testing.F) {
	f.Add([]byte(tsv(header,
		"1|s1|Unit A|P1|1|x=2|2006-10-26 09:51:58.0|2006-10-26 09:52:30.0||2006-10-26 09:52:30.0|1|0|0|1|kc-b~~kc-a|1~~1")))
	f.Fuzz(func(t *testing.T, data []byte) {
		var attempts int64
		var prev datasets.Attempt
		sum, err := New().Import(context.Background(), bytes.NewReader(data), "fuzz.tsv", func(a *datasets.Attempt) error {
			if a.Learner == "" || a.Item == "" || !utf8.ValidString(a.Learner) || !utf8.ValidString(a.Item) {
				t.Fatalf("bad ids %q %q", a.Learner, a.Item)
			}
			if !slices.IsSorted(a.Skills) || len(slices.Compact(slices.Clone(a.Skills))) != len(a.Skills) || slices.Contains(a.Skills, "") {
				t.Fatalf("skills not a sorted set: %q", a.Skills)
			}
			if a.HintsUsed < 0 || a.Retries < 0 || a.ResponseMS < 0 || a.Time.IsZero() || (a.Independent && !a.Supported) {
				t.Fatalf("breaks a schema rule: %+v", a)
			}
			if attempts > 0 && (a.Learner < prev.Learner || a.Learner == prev.Learner && (a.Seq <= prev.Seq || a.Time.Before(prev.Time))) {
				t.Fatalf("attempt %s#%d after %s#%d", a.Learner, a.Seq, prev.Learner, prev.Seq)
			}
			prev = *a
			attempts++
			return nil
		})
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "fuzz.tsv") {
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
