package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Learner ids that sanitise alike get different file names, a long id a
// short one (issue 16 item 10).
func TestSlugIsUniqueAndShort(t *testing.T) {
	long := strings.Repeat("x", 300)
	seen := map[string]string{}
	for _, id := range []string{"a/b", "a_b", "a b", "a:b", long, long + "y", "ünï", "ana"} {
		s := slug(id)
		if prev, ok := seen[s]; ok {
			t.Errorf("%q and %q both become %q", prev, id, s)
		}
		seen[s] = id
		if len(s) > 64 {
			t.Errorf("slug of a %d-byte id is %d bytes", len(id), len(s))
		}
	}
	if slug("a_b") != "a_b" {
		t.Errorf("a clean id changed: %q", slug("a_b"))
	}
}

// WritePNGs checks every name before writing any: a clash writes nothing.
func TestWritePNGsChecksNamesFirst(t *testing.T) {
	r := &Report{ZPD: []ZPDChart{
		{Learner: "a", Figure: &Figure{Name: "zpd_a", PNG: []byte("1")}},
		{Learner: "b", Figure: &Figure{Name: "zpd_b", PNG: []byte("2")}},
		{Learner: "a again", Figure: &Figure{Name: "zpd_a", PNG: []byte("3")}},
	}}
	dir := filepath.Join(t.TempDir(), "png")
	err := r.WritePNGs(dir)
	if err == nil || !strings.Contains(err.Error(), "zpd_a") {
		t.Fatalf("WritePNGs error %v, want one naming zpd_a", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written before the clash was found", len(entries))
	}
}
