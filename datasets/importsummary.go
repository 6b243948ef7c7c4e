package datasets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// ImportSummaryPath is the sidecar file beside an imported log that records
// its ImportSummary, so later steps (reports) can say what the import
// rejected and why: the log's path + ".import.json".
func ImportSummaryPath(log string) string {
	return filepath.Clean(log) + ".import.json"
}

// SaveImportSummary writes s as the sidecar of the log at path, atomically.
func SaveImportSummary(log string, s ImportSummary) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("import summary: %w", err)
	}
	return atomicfile.WriteFile(ImportSummaryPath(log), append(raw, '\n'))
}

// ReadImportSummary reads the sidecar of the log at path. It returns nil and
// no error when the log has none (it was not made by an importer).
func ReadImportSummary(log string) (*ImportSummary, error) {
	path := ImportSummaryPath(log)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import summary: %w", err)
	}
	var s ImportSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("import summary %s: %w", path, err)
	}
	return &s, nil
}
