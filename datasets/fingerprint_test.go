package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.parquet", "aaaa")
	write("b.parquet", "bb")
	fp := func(path string) string {
		t.Helper()
		s, err := Fingerprint(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := fp(dir)
	if base != fp(dir) {
		t.Fatal("fingerprint not deterministic")
	}
	write("notes.txt", "ignored: not a log file")
	if fp(dir) != base {
		t.Error("a non-log file changed the fingerprint")
	}
	write("b.parquet", "bc")
	if fp(dir) == base {
		t.Error("changed content kept the fingerprint")
	}
	write("b.parquet", "bb")
	write("a.parquet", "aaaab")
	write("b.parquet", "b")
	if fp(dir) == base {
		t.Error("moving a byte between files kept the fingerprint")
	}
	if fp(filepath.Join(dir, "a.parquet")) == fp(filepath.Join(dir, "b.parquet")) {
		t.Error("different files share a fingerprint")
	}
	if _, err := Fingerprint(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing path: want error")
	}
}
