package assistments

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/shareddata"
)

const header2009 = "user_id,order_id,problem_id,skill_name,correct,ms_first_response,attempt_count,hint_count,hint_total\n"

func TestSkillBuilder2009Labels(t *testing.T) {
	// Expected values follow docs/evaluation-protocol.md by hand:
	// I = correct == 1; G = hint_total > 0 && hint_count >= hint_total;
	// S = !G; C = hint_total == 0 && correct != 1; retries = attempt_count-1.
	text := header2009 +
		"1,10,100,\"Add, subtract\",1,5000,1,0,3\n" + // right first time
		"1,11,101,A,0,7000,3,1,3\n" + // wrong, one hint, two retries
		"1,12,102,B,0,8000,2,3,3\n" + // bottom-out hint
		"1,13,103,B,0,9000,1,0,0\n" + // wrong on a problem without hints: scaffolding
		"1,14,104,B,1,1000,1,0,0\n" + // right on a problem without hints
		"1,15,105,B,0,-5,0,0,0\n" + // no response, negative time
		"1,16,106,B,0,,2,5,4\n" + // more hints than the problem has, no time
		"1,17,107,B,1,300,2,0,4\n" // correct 1 although two responses
	sum, got, err := importText(t, New2009(), text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{
		"1#10 100 [Add, subtract] IS.. hints=0/3 retries=0 ms=5000 groups=||",
		"1#11 101 [A] .S.. hints=1/3 retries=2 ms=7000 groups=||",
		"1#12 102 [B] ...G hints=3/3 retries=1 ms=8000 groups=||",
		"1#13 103 [B] .SC. hints=0/0 retries=0 ms=9000 groups=||",
		"1#14 104 [B] IS.. hints=0/0 retries=0 ms=1000 groups=||",
		"1#15 105 [B] .SC. hints=0/0 retries=0 ms=NaN groups=||",
		"1#16 106 [B] ...G hints=5/4 retries=1 ms=NaN groups=||",
		"1#17 107 [B] IS.. hints=0/4 retries=1 ms=300 groups=||",
	})
	want := map[string]int64{noteNegativeMS: 1, noteNoResponse: 1, noteHintsOverTotal: 1, noteCorrectRetried: 1}
	if !maps.Equal(sum.Anomalies, want) {
		t.Errorf("anomalies %v, want %v", sum.Anomalies, want)
	}
	checkBalance(t, sum)
}

func TestSkillBuilder2009Collapse(t *testing.T) {
	text := "user_id,order_id,problem_id,skill_id,skill_name,correct,attempt_count,hint_count,hint_total,school_id\n" +
		"9,20,200,5,Five,1,1,0,2,S1\n" +
		"9,20,200,30,Thirty,1,1,0,2,S1\n" + // second skill of the same attempt
		"9,20,200,5,Five,1,1,0,2,S1\n" + // exact duplicate
		"9,5,201,,None,0,2,1,2,S1\n" + // no skill_id: skill_name is not used
		"10.0,7,202.0,14.0,X,0,1,0,0,S2\n" + // ids written as floats
		"10,7,202,NA,X,1,1,0,0,S2\n" + // same attempt, NA skill, different correct
		"10,3,203,14,X,1,1,0,2,S2\n"
	sum, got, err := importText(t, New2009(), text)
	if err != nil {
		t.Fatal(err)
	}
	// Learners in string order ("10" < "9"), then by order_id; skills as a
	// sorted set of strings; the first row of an attempt wins.
	checkLines(t, got, []string{
		"10#3 203 [14] IS.. hints=0/2 retries=0 ms=NaN groups=S2||",
		"10#7 202 [14] .SC. hints=0/0 retries=0 ms=NaN groups=S2||",
		"9#5 201 [] .S.. hints=1/2 retries=1 ms=NaN groups=S1||",
		"9#20 200 [30,5] IS.. hints=0/2 retries=0 ms=NaN groups=S1||",
	})
	want := datasets.ImportSummary{RowsRead: 7, AttemptsWritten: 4, RowsCollapsed: 3, DuplicateRows: 1, InconsistentGroups: 1}
	if sum.RowsRead != want.RowsRead || sum.AttemptsWritten != want.AttemptsWritten || sum.RowsCollapsed != want.RowsCollapsed ||
		sum.DuplicateRows != want.DuplicateRows || sum.InconsistentGroups != want.InconsistentGroups {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
}

func TestSkillBuilder2009FirstKnownResponseTime(t *testing.T) {
	// The reference takes each field's first non-missing value in the group
	// (pandas' groupby first()); only ms_first_response may be missing.
	text := header2009 +
		"1,10,100,A,1,,1,0,3\n" +
		"1,10,100,B,1,4000,1,0,3\n" + // inconsistent: 4000 vs missing
		"1,10,100,C,1,5000,1,0,3\n"
	sum, got, err := importText(t, New2009(), text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{"1#10 100 [A,B,C] IS.. hints=0/3 retries=0 ms=4000 groups=||"})
	if sum.InconsistentGroups != 1 {
		t.Errorf("%d inconsistent groups, want 1", sum.InconsistentGroups)
	}
}

func TestSkillBuilder2009Rejects(t *testing.T) {
	text := header2009 +
		"1,10,100,A,1,5000,1,0,3\n" +
		",11,101,A,1,5000,1,0,3\n" +
		"1,12,102,A,,5000,1,0,3\n" +
		"1,13,103,A,1,5000,1,-1,3\n" +
		"1,14,,A,1,5000,1,0,3\n"
	sum, got, err := importText(t, New2009(), text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("%d attempts, want 1", len(got))
	}
	want := map[string]int64{"missing user_id": 1, "missing correct": 1, "negative hint_count": 1, "missing problem_id": 1}
	if !maps.Equal(sum.Rejected, want) {
		t.Errorf("rejected %v, want %v", sum.Rejected, want)
	}
	examples := []string{"t.csv:3: missing user_id", "t.csv:4: missing correct", "t.csv:5: negative hint_count", "t.csv:6: missing problem_id"}
	if strings.Join(sum.RejectedExamples, "\n") != strings.Join(examples, "\n") {
		t.Errorf("examples %q, want %q", sum.RejectedExamples, examples)
	}
	checkBalance(t, sum)

	_, _, err = importText(t, New2009(), header2009+",11,101,A,1,5000,1,0,3\n")
	if !errors.Is(err, datasets.ErrNoAttempts) || !strings.Contains(err.Error(), "all 1 rows rejected") {
		t.Errorf("all rows rejected: error %v, want ErrNoAttempts", err)
	}
}

func TestSkillBuilder2009Errors(t *testing.T) {
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name, text string
		want       string
		is         error
	}{
		{"empty file", "", "t.csv: empty file", nil},
		{"missing column", strings.Replace(header2009, ",hint_total", "", 1) + "1,10,100,A,1,5000,1,0\n",
			`t.csv: missing required column "hint_total"`, nil},
		{"missing columns", "user_id,order_id,skill_name\n", `t.csv: missing required columns "problem_id", "correct"`, nil},
		{"no skill column", "user_id,order_id,problem_id,correct,attempt_count,hint_count,hint_total\n1,1,1,1,1,0,0\n",
			`t.csv: missing required column "skill_id" or "skill_name"`, nil},
		{"header only", header2009, "t.csv: no attempts: the file holds only a header", datasets.ErrNoAttempts},
		{"binary garbage", string(garbage), "t.csv:1: ", nil},
		{"truncated line", header2009 + "1,10,100,A,1,5000,1,0,3\n1,11,101,A,1,50", "t.csv:3: 6 fields, header has 9", nil},
		{"unparseable count", header2009 + "1,10,100,A,1,5000,1,0,3\n1,11,101,A,1,5000,x,0,3\n",
			`t.csv:3: column attempt_count: "x" is not an integer`, nil},
		{"unparseable correct", header2009 + "1,11,101,A,yes,5000,1,0,3\n", `t.csv:2: column correct: "yes" is not a number`, nil},
		{"fractional order_id", header2009 + "1,1.5,101,A,1,5000,1,0,3\n", `t.csv:2: column order_id: "1.5" is not an integer`, nil},
		{"invalid UTF-8 id", header2009 + "\xff\xfe,1,101,A,1,5000,1,0,3\n", "t.csv:2: column user_id: invalid UTF-8", nil},
		{"unterminated quote", header2009 + "1,1,101,\"A,1,5000,1,0,3\n", "t.csv:2: unterminated quoted field", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := importText(t, New2009(), tt.text)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestSkillBuilder2009EmitErrorAndCancel(t *testing.T) {
	text := header2009 + "1,10,100,A,1,5000,1,0,3\n2,10,100,A,1,5000,1,0,3\n"
	stop := errors.New("disk full")
	n := 0
	_, err := New2009().Import(context.Background(), strings.NewReader(text), "t.csv", func(*datasets.Attempt) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 || !strings.Contains(err.Error(), "t.csv: attempt of learner 1, order_id 10") {
		t.Errorf("emit error: %v after %d attempts, want %v after 1", err, n, stop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = New2009().Import(ctx, strings.NewReader(text), "t.csv", func(*datasets.Attempt) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v, want context.Canceled", err)
	}
}

func TestSkillBuilder2009SharedExcerpt(t *testing.T) {
	sum, l := importFile(t, New2009(), shareddata.MustPath(t, shareddata.Assistments2009))
	// Counts from the data README and the reference (15,882 attempts of 250
	// learners), and from counting the CSV with a separate script: 5,456 rows
	// repeat an earlier row of their attempt; 347 attempts have
	// attempt_count 0, 72 have correct 1 with attempt_count other than 1.
	if sum.RowsRead != 24437 || sum.AttemptsWritten != 15882 || l.Len() != 15882 {
		t.Errorf("rows %d, attempts %d (log %d); want 24437, 15882", sum.RowsRead, sum.AttemptsWritten, l.Len())
	}
	if sum.RowsCollapsed != 24437-15882 || sum.DuplicateRows != 5456 || sum.InconsistentGroups != 0 || len(sum.Rejected) != 0 {
		t.Errorf("summary %+v", sum)
	}
	if want := map[string]int64{noteNoResponse: 347, noteCorrectRetried: 72}; !maps.Equal(sum.Anomalies, want) {
		t.Errorf("anomalies %v, want %v", sum.Anomalies, want)
	}
	if l.Learners.Len() != 250 {
		t.Errorf("%d learners, want 250", l.Learners.Len())
	}
	checkOrder(t, l)
}
