package datasets

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestImportSummarySidecar(t *testing.T) {
	log := filepath.Join(t.TempDir(), "as.parquet")
	if s, err := ReadImportSummary(log); s != nil || err != nil {
		t.Fatalf("no sidecar: got %v, %v; want nil, nil", s, err)
	}
	var want ImportSummary
	want.RowsRead, want.AttemptsWritten, want.RowsCollapsed = 10, 7, 2
	want.Reject("x.csv", 4, "empty user_id")
	want.Note("attempt_count 0: retries set to 0")
	if err := SaveImportSummary(log, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadImportSummary(log)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("read back %+v, want %+v", *got, want)
	}
	os.WriteFile(ImportSummaryPath(log), []byte("{"), 0o644)
	if _, err := ReadImportSummary(log); err == nil {
		t.Error("corrupt sidecar: want error")
	}
}

// stubImporter emits one attempt per line of its input, the line as learner.
type stubImporter struct{}

func (stubImporter) Groups() []string { return nil }
func (stubImporter) Import(_ context.Context, r io.Reader, name string, emit func(*Attempt) error) (ImportSummary, error) {
	var sum ImportSummary
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		sum.RowsRead++
		a := NewAttempt()
		a.Learner, a.Item, a.Seq = sc.Text(), "item", sum.RowsRead
		if err := emit(&a); err != nil {
			return sum, err
		}
		sum.AttemptsWritten++
	}
	return sum, sc.Err()
}

func TestImportLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(path, []byte("ann\nbob\nann\n"), 0o644)
	log, sum, err := ImportLog(context.Background(), stubImporter{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if log.Len() != 3 || log.Learners.Len() != 2 || sum.AttemptsWritten != 3 {
		t.Errorf("log of %d attempts by %d learners, summary %+v", log.Len(), log.Learners.Len(), sum)
	}
	if _, _, err := ImportLog(context.Background(), stubImporter{}, path+".missing"); err == nil {
		t.Error("missing file: want error")
	}
}
