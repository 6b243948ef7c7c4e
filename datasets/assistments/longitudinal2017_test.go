package assistments

import (
	"maps"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/internal/shareddata"
)

const header2017 = "studentId,MiddleSchoolId,InferredGender,action_num,skill,problemId,startTime,endTime,timeTaken," +
	"correct,original,hint,hintCount,hintTotal,scaffold,bottomHint,attemptCount,AveKnow\n"

func TestLongitudinal2017Labels(t *testing.T) {
	// Expected values by hand from docs/importers.md: I = correct on the
	// first, unaided response (attemptCount 1, hintCount 0, hint 0) to a
	// main problem (not C);
	// G = bottomHint or hintCount >= hintTotal > 0; S = !G;
	// C = original 0 or scaffold 1; response time only on a first response.
	text := header2017 +
		"7,2,Female,300,area,11,1100000000,1100000010,10.0,1,1,0,0,3,0,0,1,0.5\n" + // right first time
		"7,2,Female,200,area,12,1100000000,1100000005,5,0,1,0,0,3,0,0,1,0.5\n" + // same time, earlier action_num
		"7,2,Female,400,noskill,13,1100000100,1100000109,9,0,0,1,3,3,0,1,2,0.5\n" + // bottom-out hint in scaffolding
		"7,2,Female,500,area,14,1100000200,1100000204,4,1,1,0,2,4,0,0,1,0.5\n" + // right after two hints
		"7,2,Female,600,area,16,1100000300,1100000302,2,1,0,0,0,0,1,0,1,0.5\n" + // right first time in scaffolding
		"10,,,100,,15,1000000000,1000000003,3,1,0,0,0,0,1,0,3,0.5\n" + // scaffolding request, third response
		"7,2,Female,300,area,11,1100000000,1100000010,10.0,1,1,0,0,3,0,0,1,0.5\n" // exact duplicate
	sum, got, err := importText(t, New2017(), text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{
		"10#0 15 [] .SC. hints=0/0 retries=2 ms=NaN t=2001-09-09T01:46:40.000 groups=|",
		"7#0 12 [area] .S.. hints=0/3 retries=0 ms=5000 t=2004-11-09T11:33:20.000 groups=2|Female",
		"7#1 11 [area] IS.. hints=0/3 retries=0 ms=10000 t=2004-11-09T11:33:20.000 groups=2|Female",
		"7#2 13 [] ..CG hints=3/3 retries=1 ms=NaN t=2004-11-09T11:35:00.000 groups=2|Female",
		"7#3 14 [area] .S.. hints=2/4 retries=0 ms=NaN t=2004-11-09T11:36:40.000 groups=2|Female",
		"7#4 16 [area] .SC. hints=0/0 retries=0 ms=2000 t=2004-11-09T11:38:20.000 groups=2|Female",
	})
	if sum.RowsRead != 7 || sum.AttemptsWritten != 6 || sum.DuplicateRows != 1 || sum.RowsCollapsed != 1 {
		t.Errorf("summary %+v", sum)
	}
	checkBalance(t, sum)
}

func TestLongitudinal2017OptionalColumns(t *testing.T) {
	// Without action_num, file order breaks ties; without timeTaken the
	// response time is endTime - startTime; without group columns groups
	// are empty.
	text := "studentId,problemId,startTime,endTime,correct,original,hintCount,hintTotal,scaffold,bottomHint,attemptCount\n" +
		"5,1,1000000000.5,1000000002,1,1,0,2,0,0,1\n" +
		"5,2,1000000000.5,1000000001,0,1,0,2,0,0,1\n"
	_, got, err := importText(t, New2017(), text)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, got, []string{
		"5#0 1 [] IS.. hints=0/2 retries=0 ms=1500 t=2001-09-09T01:46:40.500 groups=|",
		"5#1 2 [] .S.. hints=0/2 retries=0 ms=500 t=2001-09-09T01:46:40.500 groups=|",
	})
}

func TestLongitudinal2017Errors(t *testing.T) {
	row := "7,2,Female,300,area,11,1100000000,1100000010,10.0,1,1,0,0,3,0,0,1,0.5\n"
	tests := []struct{ name, text, want string }{
		{"missing column", strings.Replace(header2017, "bottomHint,", "", 1), `t.csv: missing required column "bottomHint"`},
		{"header only", header2017, "t.csv: no attempts: the file holds only a header"},
		{"bad time", header2017 + strings.Replace(row, "1100000000", "yesterday", 1), `t.csv:2: column startTime: "yesterday" is not a number`},
		{"truncated", header2017 + row + row[:20], "t.csv:3: 6 fields, header has 18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := importText(t, New2017(), tt.text)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
	sum, _, err := importText(t, New2017(), header2017+row+strings.Replace(row, ",1,1,0,0,3,0,0,1,", ",1,2,0,0,3,0,0,1,", 1))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"original neither 0 nor 1": 1}; !maps.Equal(sum.Rejected, want) {
		t.Errorf("rejected %v, want %v", sum.Rejected, want)
	}
}

func TestLongitudinal2017SharedSample(t *testing.T) {
	sum, l := importFile(t, New2017(), shareddata.MustPath(t, shareddata.Assistments2017))
	// Expected counts from a separate script over the CSV.
	if sum.AttemptsWritten != 3169 || sum.RowsCollapsed != 0 || len(sum.Rejected) != 0 || l.Learners.Len() != 553 {
		t.Fatalf("summary %+v, %d learners; want 3169 attempts of 553 learners", sum, l.Learners.Len())
	}
	var independent, given, scaffolded, tagged int
	schools, genders := map[string]bool{}, map[string]bool{}
	for i := range l.Len() {
		independent += b2i(l.Independent[i])
		given += b2i(l.AnswerGiven[i])
		scaffolded += b2i(l.Scaffolded[i])
		tagged += b2i(len(l.SkillsOf(i)) > 0)
		schools[l.Groups[0][i]] = true
		genders[l.Groups[1][i]] = true
	}
	if independent != 340 || given != 741 || scaffolded != 2299 || tagged != 3169-278 {
		t.Errorf("independent %d, answer given %d, scaffolded %d, with skill %d; want 340, 741, 2299, 2891",
			independent, given, scaffolded, tagged)
	}
	if want := map[string]bool{"1": true, "2": true, "3": true, "4": true}; !maps.Equal(schools, want) {
		t.Errorf("schools %v", schools)
	}
	if want := map[string]bool{"Female": true, "Male": true, "": true}; !maps.Equal(genders, want) {
		t.Errorf("genders %v", genders)
	}
	checkOrder(t, l)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
