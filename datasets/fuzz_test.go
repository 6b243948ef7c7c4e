package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidate feeds arbitrary bytes, as a Parquet and as an Arrow IPC
// file, to Validate, ReadLog and the Reader: each must return (a report or
// an error), never panic or exhaust memory. The seed corpus under
// testdata/fuzz/FuzzValidate holds small valid and damaged files; the
// hostile files of testdata/hostile (TestHostileFiles) are seeds too.
func FuzzValidate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("PAR1PAR1"))
	hostile, err := filepath.Glob(filepath.Join(hostileDir, "*"))
	if err != nil || len(hostile) == 0 {
		f.Fatalf("no seeds in %s (%v)", hostileDir, err)
	}
	for _, path := range hostile {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, ext := range []string{".parquet", ".arrow"} {
			path := filepath.Join(dir, "log"+ext)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := Validate(path, ReadOptions{})
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			_, rerr := ReadLog(path, ReadOptions{})
			if (rerr == nil) != rep.OK() {
				t.Fatalf("ReadLog error %v, Validate OK %v", rerr, rep.OK())
			}
			if r, err := Open(path, ReadOptions{BatchSize: 7}); err == nil {
				for r.Next() {
				}
				r.Close()
			}
		}
	})
}
