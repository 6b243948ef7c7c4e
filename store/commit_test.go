package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestGroupCommitKeepsAppendsApart: SQLite appends queued together commit
// in one transaction, but each is answered on its own: a conflict or a
// failing update refuses only its own append.
func TestGroupCommitKeepsAppendsApart(t *testing.T) {
	s := open(t, "sqlite:"+t.TempDir()+"/zpd.db")
	if _, _, err := s.Append(ctx, "old", []Attempt{attempt("o1", "i", 5, true, true)}, nil); err != nil {
		t.Fatal(err)
	}
	s.(*sqlStore).cache.remove("old") // so its appends run in the transaction
	// The first append holds the transaction until the others are queued
	// behind it, so that they run as one group.
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, err := s.Append(ctx, "gate", []Attempt{attempt("g", "i", NoSeq, true, true)}, func(*Learner, int) error {
			close(started)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	<-started
	refused := errors.New("refused by update")
	errs := make([]error, 12)
	for k := range errs {
		wg.Go(func() {
			switch k % 3 {
			case 0: // fine
				_, _, errs[k] = s.Append(ctx, fmt.Sprint("new", k), []Attempt{attempt("e", "i", NoSeq, true, true)}, nil)
			case 1: // seq before the stored one: a conflict
				_, _, errs[k] = s.Append(ctx, "old", []Attempt{attempt(fmt.Sprint("c", k), "i", 1, true, true)}, nil)
			case 2:
				_, _, errs[k] = s.Append(ctx, fmt.Sprint("new", k), []Attempt{attempt("e", "i", NoSeq, true, true)},
					func(*Learner, int) error { return refused })
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // let them queue
	close(release)
	wg.Wait()
	for k, err := range errs {
		var ce *ConflictError
		switch k % 3 {
		case 0:
			if err != nil {
				t.Errorf("append %d: %v", k, err)
			} else if l, err := s.Learner(ctx, fmt.Sprint("new", k)); err != nil || len(l.Attempts) != 1 {
				t.Errorf("append %d not stored: %v", k, err)
			}
		case 1:
			if !errors.As(err, &ce) || ce.Field != "seq" {
				t.Errorf("append %d: %v, want a seq conflict", k, err)
			}
		case 2:
			if !errors.Is(err, refused) {
				t.Errorf("append %d: %v, want the update's error", k, err)
			}
			if _, err := s.Learner(ctx, fmt.Sprint("new", k)); !errors.Is(err, ErrNotFound) {
				t.Errorf("append %d refused by its update was stored: %v", k, err)
			}
		}
	}
	if l, err := s.Learner(ctx, "old"); err != nil || len(l.Attempts) != 1 {
		t.Fatalf("old: %+v, %v", l, err)
	}
}
