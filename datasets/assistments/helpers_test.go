package assistments

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

// brief formats an attempt compactly for hand-written expectations:
//
//	learner#seq item [skills] flags hints=used/available retries=n ms=response groups
//
// where flags has I (independent), S (supported), C (scaffolded) and G
// (answer given) or "." for each one that is false.
func brief(a *datasets.Attempt) string {
	flag := func(b bool, c string) string {
		if b {
			return c
		}
		return "."
	}
	s := fmt.Sprintf("%s#%d %s [%s] %s%s%s%s hints=%d/%d retries=%d ms=%v",
		a.Learner, a.Seq, a.Item, strings.Join(a.Skills, ","),
		flag(a.Independent, "I"), flag(a.Supported, "S"), flag(a.Scaffolded, "C"), flag(a.AnswerGiven, "G"),
		a.HintsUsed, a.HintsAvailable, a.Retries, a.ResponseMS)
	if !a.Time.IsZero() {
		s += " t=" + a.Time.UTC().Format("2006-01-02T15:04:05.000")
	}
	if len(a.Groups) > 0 {
		s += " groups=" + strings.Join(a.Groups, "|")
	}
	return s
}

// importText imports text and returns the summary and each attempt, brief.
func importText(t *testing.T, imp datasets.Importer, text string) (datasets.ImportSummary, []string, error) {
	t.Helper()
	var got []string
	sum, err := imp.Import(context.Background(), strings.NewReader(text), "t.csv", func(a *datasets.Attempt) error {
		if len(a.Groups) != len(imp.Groups()) {
			t.Fatalf("attempt has %d groups, importer declares %d", len(a.Groups), len(imp.Groups()))
		}
		got = append(got, brief(a))
		return nil
	})
	return sum, got, err
}

// importFile imports a shared data file into a Log, skipping the test when
// the shared data is not on this machine.
func importFile(t *testing.T, imp datasets.Importer, path string) (datasets.ImportSummary, *datasets.Log) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := datasets.NewLog(imp.Groups()...)
	sum, err := imp.Import(context.Background(), f, path, func(a *datasets.Attempt) error {
		l.Append(a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum, l
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d attempts, want %d", len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("attempt %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// checkOrder verifies the emit order promised by datasets.Importer: learner
// ids in byte order, Seq strictly increasing within a learner.
func checkOrder(t *testing.T, l *datasets.Log) {
	t.Helper()
	for i := 1; i < l.Len(); i++ {
		prev, cur := l.Learners.ID(l.Learner[i-1]), l.Learners.ID(l.Learner[i])
		switch {
		case cur < prev:
			t.Fatalf("row %d: learner %q after %q", i, cur, prev)
		case cur == prev && l.Seq[i] <= l.Seq[i-1]:
			t.Fatalf("row %d: learner %q seq %d after %d", i, cur, l.Seq[i], l.Seq[i-1])
		}
	}
}

func checkBalance(t *testing.T, s datasets.ImportSummary) {
	t.Helper()
	if s.RowsRead != s.AttemptsWritten+s.RowsCollapsed+s.RejectedRows() {
		t.Errorf("rows read %d != attempts %d + collapsed %d + rejected %d", s.RowsRead, s.AttemptsWritten, s.RowsCollapsed, s.RejectedRows())
	}
}
