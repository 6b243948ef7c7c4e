// Package shareddata locates the public learner logs that tests, examples and
// benchmarks use. They live outside the repository, in ../shared/data beside
// the repository root (the layout on development machines and in CI), or in
// the directory named by ZPD_SHARED_DATA.
package shareddata

import (
	"fmt"
	"os"
	"path/filepath"
)

// Files of the shared data directory, relative to it.
const (
	Assistments2009 = "assistments2009-excerpt/as_supersmall.csv"
	Assistments2017 = "assistments2017-sample/assistments_sample_3169.csv"
	CognitiveTutor  = "cognitive-tutor-algebra-2006/ct.tsv"
)

// Dir returns the shared data directory, searching upwards from the working
// directory for the repository root (the directory holding go.mod).
func Dir() (string, error) {
	if d := os.Getenv("ZPD_SHARED_DATA"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			data := filepath.Join(filepath.Dir(d), "shared", "data")
			if _, err := os.Stat(data); err != nil {
				return "", fmt.Errorf("shared data: %w (set ZPD_SHARED_DATA)", err)
			}
			return data, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("shared data: no go.mod above %s (set ZPD_SHARED_DATA)", wd)
		}
	}
}

// Path returns the path of file (one of the constants above) in Dir.
func Path(file string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, file)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("shared data: %w", err)
	}
	return p, nil
}

// TB is the part of testing.TB that MustPath needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// MustPath is Path for tests: it fails the test when the file is missing,
// because a test that silently skips its data proves nothing.
func MustPath(t TB, file string) string {
	t.Helper()
	p, err := Path(file)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return p
}
