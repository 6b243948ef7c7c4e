package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/shareddata"
)

func TestValidateImportedLog(t *testing.T) {
	out := filepath.Join(t.TempDir(), "as.parquet")
	mustZPD(t, "import", "--format", "assistments2009", "--in", shareddata.MustPath(t, shareddata.Assistments2009), "--out", out)
	stdout := mustZPD(t, "validate", "--json", out)
	var rep datasets.ValidationReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report %q: %v", stdout, err)
	}
	if rep.Rows != 15882 || rep.Fatal != 0 {
		t.Errorf("rows %d, fatal %d; want 15882 rows and no fatal problem", rep.Rows, rep.Fatal)
	}
}

func TestValidateBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	mustZPD(t, "simulate", "--learners", "5", "--attempts", "10", "--out", filepath.Join(dir, "sim"))
	raw, err := os.ReadFile(filepath.Join(dir, "sim", "attempts.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, good, string(raw))
	truncated := writeFile(t, filepath.Join(dir, "truncated.parquet"), string(raw[:len(raw)/2]))
	binary := writeFile(t, filepath.Join(dir, "binary.parquet"), "\x7fELF\x02\x01\x01garbage")
	empty := writeFile(t, filepath.Join(dir, "empty.parquet"), "")

	mustZPD(t, "validate", good)
	for _, path := range []string{truncated, binary, empty, filepath.Join(dir, "missing.parquet")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			code, _, errOut := zpd(t, "validate", path)
			assertOneLineError(t, code, errOut, filepath.Base(path))
		})
	}
}
