package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCommitReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new content")
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("before Commit the target reads %q, want the old content", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new content" {
		t.Fatalf("after Commit the target reads %q", got)
	}
	assertOnly(t, dir, "out.bin")
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit: want error")
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "out.bin"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir)
}

func TestCreateInMissingDir(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "out.bin")); err == nil {
		t.Fatal("want error for a missing directory")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	if err := WriteFile(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "{}" {
		t.Fatalf("read %q", got)
	}
	assertOnly(t, dir, "m.json")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(names) {
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		t.Fatalf("dir holds %v, want %v", got, names)
	}
	for i, e := range entries {
		if e.Name() != names[i] {
			t.Fatalf("dir holds %s, want %v", e.Name(), names)
		}
	}
}

// A killed run leaves its temporary file; the next write of the same path
// removes it, but never the temporary file of a write still in progress
// (issue 16 item 8).
func TestCreateRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.parquet")
	stale := filepath.Join(dir, ".out.parquet.tmp-123456")
	if err := os.WriteFile(stale, []byte("left by a killed run"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".other.parquet.tmp-1") // another output's: not ours to judge
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := Create(path) // a write in progress
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file still there (%v)", err)
	}
	if _, err := os.Stat(live.Name()); err != nil {
		t.Errorf("the live write's temporary file was removed: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another output's temporary file was removed: %v", err)
	}
}
