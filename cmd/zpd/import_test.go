package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/shareddata"
)

func TestImportSharedFiles(t *testing.T) {
	tests := []struct {
		format, file string
		attempts     int64 // 0: only check that something was written
	}{
		{"assistments2009", shareddata.Assistments2009, 15882},
		{"assistments2017", shareddata.Assistments2017, 0},
		{"datashop", shareddata.CognitiveTutor, 0},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "log.parquet")
			stdout := mustZPD(t, "import", "--format", tt.format, "--in", shareddata.MustPath(t, tt.file), "--out", out, "--json")
			var sum datasets.ImportSummary
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("summary %q: %v", stdout, err)
			}
			if tt.attempts != 0 && sum.AttemptsWritten != tt.attempts {
				t.Errorf("attempts written = %d, want %d", sum.AttemptsWritten, tt.attempts)
			}
			if sum.RowsRead != sum.AttemptsWritten+sum.RowsCollapsed+sum.RejectedRows() {
				t.Errorf("rows read %d != written %d + collapsed %d + rejected %d",
					sum.RowsRead, sum.AttemptsWritten, sum.RowsCollapsed, sum.RejectedRows())
			}
			if side, err := datasets.ReadImportSummary(out); err != nil || side == nil || side.AttemptsWritten != sum.AttemptsWritten {
				t.Errorf("import summary sidecar %+v, %v; want the printed summary", side, err)
			}
			log, err := datasets.ReadLog(out, datasets.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if int64(log.Len()) != sum.AttemptsWritten || log.Len() == 0 {
				t.Errorf("log holds %d attempts, summary says %d", log.Len(), sum.AttemptsWritten)
			}
		})
	}
}

func TestImportErrorsLeaveNoOutput(t *testing.T) {
	dir := t.TempDir()
	headerOnly := writeFile(t, filepath.Join(dir, "header.csv"), "user_id,order_id,problem_id,skill_name,correct,attempt_count,hint_count,hint_total\n")
	missingCol := writeFile(t, filepath.Join(dir, "missing.csv"), "user_id,order_id,problem_id,skill_name,correct\n1,2,3,a,1\n")
	binary := writeFile(t, filepath.Join(dir, "binary.csv"), "\x00\x01\x02PAR1\xff\xfe")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown format", []string{"--format", "csv9", "--in", headerOnly}, []string{"csv9"}},
		{"missing input", []string{"--format", "assistments2009", "--in", filepath.Join(dir, "nope.csv")}, []string{"nope.csv"}},
		{"header only", []string{"--format", "assistments2009", "--in", headerOnly}, []string{"header.csv"}},
		{"missing column", []string{"--format", "assistments2009", "--in", missingCol}, []string{"missing.csv", "attempt_count"}},
		{"binary", []string{"--format", "assistments2009", "--in", binary}, []string{"binary.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.parquet")
			args := append([]string{"import", "--out", out}, tt.args...)
			code, _, errOut := zpd(t, args...)
			assertOneLineError(t, code, errOut, tt.want...)
			assertNoFile(t, out)
		})
	}
}

// TestImportOutputDirectory: import makes missing directories of --out,
// and fails in one line when it cannot (a file stands where a directory
// should).
func TestImportOutputDirectory(t *testing.T) {
	dir := t.TempDir()
	src := shareddata.MustPath(t, shareddata.Assistments2009)
	mustZPD(t, "import", "--format", "assistments2009", "--data", src, "--out", filepath.Join(dir, "new", "dir", "log.parquet"))
	blocker := writeFile(t, filepath.Join(dir, "file"), "x")
	code, _, errOut := zpd(t, "import", "--format", "assistments2009", "--in", src, "--out", filepath.Join(blocker, "log.parquet"))
	assertOneLineError(t, code, errOut, "file")
}

// An import killed mid-write leaves its temporary files beside the output;
// the next import of that output removes them (issue 16 item 8).
func TestImportRemovesTempFilesOfAKilledRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "log.parquet")
	stale := []string{filepath.Join(dir, ".log.parquet.tmp-4242"), filepath.Join(dir, ".log.parquet.import.json.tmp-77")}
	for _, s := range stale {
		writeFile(t, s, "left by kill -9")
	}
	mustZPD(t, "import", "--format", "assistments2009", "--in", shareddata.MustPath(t, shareddata.Assistments2009), "--out", out)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left after a rerun", e.Name())
		}
	}
}
