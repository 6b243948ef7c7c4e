package shareddata

import (
	"os"
	"testing"
)

func TestPathFindsEveryFile(t *testing.T) {
	for _, f := range []string{Assistments2009, Assistments2017, CognitiveTutor} {
		p := MustPath(t, f)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %v)", p, err, st)
		}
	}
}

func TestPathMissingFile(t *testing.T) {
	if _, err := Path("no/such/file.csv"); err == nil {
		t.Fatal("Path of a missing file: want error")
	}
}

func TestDirFromEnv(t *testing.T) {
	t.Setenv("ZPD_SHARED_DATA", "/nowhere")
	if d, err := Dir(); err != nil || d != "/nowhere" {
		t.Fatalf("Dir() = %q, %v; want /nowhere", d, err)
	}
}
