package datashop

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/shareddata"
)

// brief formats an attempt compactly for hand-written expectations:
// learner#seq item [skills] flags hints=used/available retries=n ms=response
// t=time, flags being I, S, C, G (independent, supported, scaffolded, answer
// given) or "." when false.
func brief(a *datasets.Attempt) string {
	flag := func(b bool, c string) string {
		if b {
			return c
		}
		return "."
	}
	return fmt.Sprintf("%s#%d %s [%s] %s%s%s%s hints=%d/%d retries=%d ms=%v t=%s",
		a.Learner, a.Seq, a.Item, strings.Join(a.Skills, ","),
		flag(a.Independent, "I"), flag(a.Supported, "S"), flag(a.Scaffolded, "C"), flag(a.AnswerGiven, "G"),
		a.HintsUsed, a.HintsAvailable, a.Retries, a.ResponseMS, a.Time.UTC().Format("2006-01-02T15:04:05.000"))
}

func importText(t *testing.T, text string) (datasets.ImportSummary, []string, error) {
	t.Helper()
	var got []string
	sum, err := New().Import(context.Background(), strings.NewReader(text), "t.tsv", func(a *datasets.Attempt) error {
		got = append(got, brief(a))
		return nil
	})
	return sum, got, err
}

// tsv joins rows of "|"-separated fields with tabs.
func tsv(rows ...string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.ReplaceAll(r, "|", "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}

const header = "Row|Anon Student Id|Problem Hierarchy|Problem Name|Problem View|Step Name|Step Start Time|" +
	"First Transaction Time|Correct Transaction Time|Step End Time|Correct First Attempt|Incorrects|Hints|Corrects|" +
	"KC(Default)|Opportunity(Default)"

func TestStepExportLabels(t *testing.T) {
	// Expected values by hand from docs/importers.md: I = Correct First
	// Attempt; S = I or Corrects > 0; never C or G; retries = Incorrects;
	// ms = First Transaction Time - Step Start Time.
	text := tsv(header,
		"1|s1|Unit A|P1|1|x=2|2006-10-26 09:51:58.0|2006-10-26 09:52:30.0||2006-10-26 09:52:30.0|1|0|0|1|kc-b~~kc-a|1~~1",
		"2|s1|Unit A|P1|1|y=3|2006-10-26 09:50:00.0|2006-10-26 09:50:05.5||2006-10-26 09:50:09.0|0|2|1|1|kc-a|1",
		"3|s1|Unit A|P1|1|z||2006-10-26 09:55:00.0||2006-10-26 09:56:00.0|0|1|2|0||",
		"4|s0|Unit B|P1|1|x=2|2006-10-26 09:51:58.0|2006-10-26 09:51:57.0||2006-10-26 09:52:30.0|0|0|1|1|kc-a|1",
		"6|s0|Unit B|P2|1|a|2006-10-26 10:00:00|2006-10-26 10:00:01||2006-10-26 10:00:01|1|0|0|1|kc-c|1",
		"5|s0|Unit B|P2|1|b|2006-10-26 10:00:00|2006-10-26 10:00:02||2006-10-26 10:00:02|1|0|0|1|kc-c|1",
		"5|s0|Unit B|P2|1|b|2006-10-26 10:00:00|2006-10-26 10:00:02||2006-10-26 10:00:02|1|0|0|1|kc-c|1",
	)
	sum, got, err := importText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{
		"s0#0 Unit B::P1::x=2 [kc-a] .S.. hints=1/-1 retries=0 ms=NaN t=2006-10-26T09:51:58.000",
		"s0#1 Unit B::P2::b [kc-c] IS.. hints=0/-1 retries=0 ms=2000 t=2006-10-26T10:00:00.000",
		"s0#2 Unit B::P2::a [kc-c] IS.. hints=0/-1 retries=0 ms=1000 t=2006-10-26T10:00:00.000",
		"s1#0 Unit A::P1::y=3 [kc-a] .S.. hints=1/-1 retries=2 ms=5500 t=2006-10-26T09:50:00.000",
		"s1#1 Unit A::P1::x=2 [kc-a,kc-b] IS.. hints=0/-1 retries=0 ms=32000 t=2006-10-26T09:51:58.000",
		"s1#2 Unit A::P1::z [] .... hints=2/-1 retries=1 ms=NaN t=2006-10-26T09:55:00.000",
	})
	if sum.RowsRead != 7 || sum.AttemptsWritten != 6 || sum.DuplicateRows != 1 || sum.RowsCollapsed != 1 {
		t.Errorf("summary %+v", sum)
	}
	want := map[string]int64{noteName(noteNoStart): 1, noteName(noteNegativeResp): 1}
	if !maps.Equal(sum.Anomalies, want) {
		t.Errorf("anomalies %v, want %v", sum.Anomalies, want)
	}
}

func TestStepExportMinimalColumns(t *testing.T) {
	// No hierarchy, no Row, a KDD Cup KC column name.
	text := tsv("Anon Student Id|Problem Name|Step Name|Step Start Time|Correct First Attempt|Incorrects|Hints|Corrects|KC(SubSkills)",
		"s|P|b|2008-01-01 00:00:01|0|1|0|1|k2~~k1~~k2",
		"s|P|a|2008-01-01 00:00:01|1|0|0|1|")
	_, got, err := importText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{
		"s#0 P::b [k1,k2] .S.. hints=0/-1 retries=1 ms=NaN t=2008-01-01T00:00:01.000",
		"s#1 P::a [] IS.. hints=0/-1 retries=0 ms=NaN t=2008-01-01T00:00:01.000",
	})
}

func TestStepExportErrors(t *testing.T) {
	row := "1|s1|Unit A|P1|1|x=2|2006-10-26 09:51:58.0|2006-10-26 09:52:30.0||2006-10-26 09:52:30.0|1|0|0|1|kc|1"
	tests := []struct {
		name, text, want string
		is               error
	}{
		{"empty", "", "t.tsv: empty file", nil},
		{"missing column", tsv(strings.Replace(header, "|Hints", "", 1)), `t.tsv: missing required column "Hints"`, nil},
		{"header only", tsv(header), "t.tsv: no attempts: the file holds only a header", datasets.ErrNoAttempts},
		{"csv instead of tsv", strings.ReplaceAll(tsv(header, row), "\t", ","), `t.tsv: missing required columns "Anon Student Id"`, nil},
		{"truncated", tsv(header, row) + strings.ReplaceAll(row[:30], "|", "\t"), "t.tsv:3: 7 fields, header has 16", nil},
		{"bad time", tsv(header, strings.Replace(row, "2006-10-26 09:51:58.0", "26/10/2006", 1)),
			`t.tsv:2: column Step Start Time: "26/10/2006" is not a time`, nil},
		{"bad count", tsv(header, strings.Replace(row, "|1|0|0|1|kc", "|1|0|two|1|kc", 1)), `t.tsv:2: column Hints: "two" is not an integer`, nil},
		{"binary", tsv(header) + "\x00\x01\x02", "t.tsv:2: binary data", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := importText(t, tt.text)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
	sum, _, err := importText(t, tsv(header, row, strings.Replace(row, "|s1|", "||", 1), strings.Replace(row, "|1|0|0|1|kc", "|2|0|0|1|kc", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"missing Anon Student Id": 1, "Correct First Attempt neither 0 nor 1": 1}
	if !maps.Equal(sum.Rejected, want) {
		t.Errorf("rejected %v, want %v", sum.Rejected, want)
	}
}

func TestStepExportSharedFile(t *testing.T) {
	path := shareddata.MustPath(t, shareddata.CognitiveTutor)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := datasets.NewLog()
	sum, err := New().Import(context.Background(), f, path, func(a *datasets.Attempt) error {
		l.Append(a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Expected counts from a separate script over the TSV.
	if sum.RowsRead != 18220 || l.Len() != 18220 || l.Learners.Len() != 11 || len(sum.Rejected) != 0 {
		t.Fatalf("summary %+v, %d learners; want 18220 attempts of 11 learners", sum, l.Learners.Len())
	}
	var independent, supported, untagged, retries, hints int
	for i := range l.Len() {
		independent += b2i(l.Independent[i])
		supported += b2i(l.Supported[i])
		untagged += b2i(len(l.SkillsOf(i)) == 0)
		retries += int(l.Retries[i])
		hints += int(l.HintsUsed[i])
		if i > 0 && l.Learner[i] == l.Learner[i-1] && l.TimeMS[i] < l.TimeMS[i-1] {
			t.Fatalf("row %d goes back in time", i)
		}
	}
	if independent != 13602 || supported != 17547 || untagged != 3519 || retries != 9102 || hints != 2292 {
		t.Errorf("independent %d, supported %d, untagged %d, retries %d, hints %d; want 13602, 17547, 3519, 9102, 2292",
			independent, supported, untagged, retries, hints)
	}
	want := map[string]int64{noteName(noteNoStart): 51, noteName(noteCFAHinted): 46, noteName(noteCFARetried): 126}
	if !maps.Equal(sum.Anomalies, want) {
		t.Errorf("anomalies %v, want %v", sum.Anomalies, want)
	}
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d attempts, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("attempt %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
