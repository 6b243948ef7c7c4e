package artifact

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A Load racing a Save sees one artifact or the other, never the metadata
// of one with the params of the other (issue 16 item 7: 3 of 245 reloads
// racing a train failed their checksum).
func TestLoadRacingSaveSeesOneArtifact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, constModel{"0.1"}, Metadata{}, ""); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var loads, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				a, err := Load(dir, lookup)
				loads.Add(1)
				if err == nil && a.Model.(constModel).p != "0.1" && a.Model.(constModel).p != "0.2" {
					err = os.ErrInvalid
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	for i := range 150 {
		p := []string{"0.1", "0.2"}[i%2]
		if err := Save(dir, constModel{p}, Metadata{}, strings.Repeat("summary ", i)); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d loads racing saves failed, first: %v", n, loads.Load(), firstErr.Load())
	}
	// Old versions are pruned: the current one and the one before stay.
	entries, _ := os.ReadDir(dir)
	versions := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "v-") {
			versions++
		}
	}
	if versions > 2 {
		t.Errorf("%d versions kept, want at most 2", versions)
	}
}

// A plain artifact directory (as zpd wrote before versioned folders) still
// loads, and the next Save turns it into a versioned one in place.
func TestPlainArtifactStillLoadsAndMigrates(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if err := Save(src, constModel{"0.3"}, Metadata{}, "s\n"); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "model")
	mkdir(t, plain)
	for _, name := range []string{ParamsFile, MetadataFile, SummaryFile} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(plain, name), string(b))
	}
	if a, err := Load(plain, lookup); err != nil || a.Model.(constModel).p != "0.3" {
		t.Fatalf("plain artifact: %v", err)
	}
	if err := Save(plain, constModel{"0.4"}, Metadata{}, "s\n"); err != nil {
		t.Fatal(err)
	}
	if a, err := Load(plain, lookup); err != nil || a.Model.(constModel).p != "0.4" {
		t.Fatalf("after migration: %v", err)
	}
	// The files keep their paths, through the current version.
	if b, err := os.ReadFile(filepath.Join(plain, ParamsFile)); err != nil || string(b) != "0.4" {
		t.Errorf("%s/params reads %q, %v", plain, b, err)
	}
}
