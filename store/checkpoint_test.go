package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointerCopiesTheWALBack: the writer leaves checkpoints to the
// checkpointer until its WAL passes writerCheckpointPages, so the database
// file grows, during Appends far below that, only if the checkpointer
// copies the WAL back.
func TestCheckpointerCopiesTheWALBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zpd.db")
	s := open(t, "sqlite:"+path)
	ctx := context.Background()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for i := range 200 {
		id := fmt.Sprint("learner-", i)
		if _, _, err := s.Append(ctx, id, []Attempt{attempt("e", "item", 1, true, true)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: the WAL was not checkpointed", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}
