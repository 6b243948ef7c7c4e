package datasets

import (
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
