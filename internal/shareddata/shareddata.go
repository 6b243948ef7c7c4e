// Package shareddata locates the public learner logs that tests, examples and
// benchmarks use. A copy ships in the repository (testdata/public, with its
// README and citations), so a fresh clone needs nothing else; a directory
// named by ZPD_SHARED_DATA, or ../shared/data beside the repository root,
// takes precedence when present.
package shareddata

import (
	"errors"
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

// Bundled is the bundled copy's directory, relative to the repository root.
const Bundled = "testdata/public"

// Dir returns the data directory: $ZPD_SHARED_DATA when set, else
// ../shared/data beside the repository root when it exists, else the
// bundled copy. The root is found by searching upwards from the working
// directory for go.mod.
func Dir() (string, error) {
	if d := os.Getenv("ZPD_SHARED_DATA"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	if d := filepath.Join(filepath.Dir(root), "shared", "data"); isDir(d) {
		return d, nil
	}
	d := filepath.Join(root, Bundled)
	if !isDir(d) {
		return "", fmt.Errorf("shared data: %s is missing (a partial checkout?); set ZPD_SHARED_DATA to a copy", d)
	}
	return d, nil
}

// RepoRoot returns the repository root: the nearest directory at or above
// the working directory that holds go.mod.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("shared data: no go.mod above %s (set ZPD_SHARED_DATA)", wd)
		}
	}
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// Path returns the path of file (one of the constants above) in Dir.
func Path(file string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, file)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("shared data: %s is missing from %s (the repository ships it in %s)", file, dir, Bundled)
		}
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
// on CI and off it alike, because a test that silently skips its data
// proves nothing.
func MustPath(t TB, file string) string {
	t.Helper()
	p, err := Path(file)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return p
}
