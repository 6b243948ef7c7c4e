package shareddata

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

var files = []string{Assistments2009, Assistments2017, CognitiveTutor}

func TestPathFindsEveryFile(t *testing.T) {
	for _, f := range files {
		p := MustPath(t, f)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %v)", p, err, st)
		}
	}
}

// TestBundledCopy: the repository ships every file with its README, and
// when an external copy is in use the bundled one is identical to it.
func TestBundledCopy(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bundled := filepath.Join(root, Bundled)
	for _, f := range append(files, "README.md") {
		if _, err := os.Stat(filepath.Join(bundled, f)); err != nil {
			t.Errorf("bundled copy: %v", err)
		}
	}
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if dir == bundled {
		return
	}
	for _, f := range files {
		a, errA := os.ReadFile(filepath.Join(bundled, f))
		b, errB := os.ReadFile(filepath.Join(dir, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between %s and %s (%v, %v)", f, bundled, dir, errA, errB)
		}
	}
}

func TestPathMissingFile(t *testing.T) {
	if _, err := Path("no/such/file.csv"); err == nil {
		t.Fatal("Path of a missing file: want error")
	}
}

func TestDirFromEnv(t *testing.T) {
	want := t.TempDir()
	t.Setenv("ZPD_SHARED_DATA", want)
	if d, err := Dir(); err != nil || d != want {
		t.Fatalf("Dir() = %q, %v; want %q", d, err, want)
	}
}
