package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func TestMigrationsAreIdempotentAndRefuseNewerSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		if _, _, err := s.Append(ctx, "u", []Attempt{attempt("e1", "i1", 1, true, true)}, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = open(t, dsn) // migrating again keeps the data
		if l, err := s.Learner(ctx, "u"); err != nil || len(l.Attempts) != 1 {
			t.Fatalf("after reopening: %v, %v", l, err)
		}
		// A newer zpd migrated the database: this one must not touch it.
		w := s.(*sqlStore).writer
		if _, err := w.Exec(`INSERT INTO zpd_schema (version) VALUES ($1)`, SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(ctx, dsn, testCache)
		if !errors.Is(err, ErrSchemaNewer) {
			t.Fatalf("opening a newer schema: got %v, want ErrSchemaNewer", err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("version %d, this build knows up to %d", SchemaVersion()+1, SchemaVersion())) {
			t.Errorf("error does not name both versions: %v", err)
		}
	})
}

func TestAppendIsIdempotentAndAtomic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		first := []Attempt{attempt("e1", "i1", 10, false, true), attempt("e2", "i2", 11, true, true)}
		l, added, err := s.Append(ctx, "u", first, nil)
		if err != nil || added != 2 || len(l.Attempts) != 2 {
			t.Fatalf("first append: added %d, %v", added, err)
		}
		// A retry of e2, with or without its seq, adds nothing.
		for _, retry := range []Attempt{attempt("e2", "i2", 11, true, true), attempt("e2", "i2", NoSeq, true, true)} {
			l, added, err = s.Append(ctx, "u", []Attempt{retry}, nil)
			if err != nil || added != 0 || len(l.Attempts) != 2 {
				t.Fatalf("retry: added %d, %d attempts, %v", added, len(l.Attempts), err)
			}
		}
		tests := []struct {
			name  string
			batch []Attempt
			field string
			index int
		}{
			{"event id reused for another item", []Attempt{attempt("e1", "other", NoSeq, false, true)}, "event_id", 0},
			{"event id reused for another outcome", []Attempt{attempt("e1", "i1", NoSeq, true, true)}, "event_id", 0},
			{"seq before the newest", []Attempt{attempt("e3", "i3", 12, true, true), attempt("e4", "i4", 5, true, true)}, "seq", 1},
			{"seq equal to the newest", []Attempt{attempt("e3", "i3", 11, true, true)}, "seq", 0},
			{"seq repeated in one batch", []Attempt{attempt("e3", "i3", 12, true, true), attempt("e4", "i4", 12, true, true)}, "seq", 1},
			{"no event id", []Attempt{attempt("", "i3", 12, true, true)}, "event_id", 0},
		}
		for _, tc := range tests {
			_, _, err := s.Append(ctx, "u", tc.batch, nil)
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Field != tc.field || ce.Index != tc.index {
				t.Errorf("%s: got %v, want a conflict on attempt %d's %s", tc.name, err, tc.index, tc.field)
			}
		}
		// Nothing of the refused batches was stored.
		l, err = s.Learner(ctx, "u")
		if err != nil || len(l.Attempts) != 2 {
			t.Fatalf("after refused appends: %+v, %v", l, err)
		}
		// No seq: numbered after the newest.
		l, _, err = s.Append(ctx, "u", []Attempt{attempt("e3", "i3", NoSeq, true, false), attempt("e3", "i3", NoSeq, true, false)}, nil)
		if err != nil || len(l.Attempts) != 3 || l.Attempts[2].Seq != 12 {
			t.Fatalf("auto seq: %+v, %v", l, err)
		}
		// Appending nothing new to an unknown learner stores nothing.
		if _, added, err := s.Append(ctx, "nobody", nil, func(l *Learner, _ int) error { l.State.Served = 7; return nil }); err != nil || added != 0 {
			t.Fatal(added, err)
		}
		if _, err := s.Learner(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown learner: %v", err)
		}
	})
}

func TestAttemptsAndStateRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		full := Attempt{EventID: "ev-α", Seq: -3, Time: time.Date(2024, 3, 1, 9, 0, 0, 123e6, time.UTC),
			Item: "item \"7\"", Skills: []string{"fractions", "ratio,s"}, Independent: false, Supported: true,
			HintsUsed: 2, HintsAvailable: 4, Retries: 1, Scaffolded: true, AnswerGiven: true,
			ResponseMS: 1234.5, Difficulty: -0.25, Groups: map[string]string{"school": "S1", "class": ""}}
		bare := attempt("ev-2", "item-2", NoSeq, true, true)
		update := func(l *Learner, added int) error {
			if added != 2 {
				return fmt.Errorf("added %d", added)
			}
			l.Attempts[len(l.Attempts)-1].Check = true
			l.State.Served += int64(added)
			l.State.Checks = []string{"item-9", "item-3"}
			return nil
		}
		if _, _, err := s.Append(ctx, "learner/1", []Attempt{full, bare}, update); err != nil {
			t.Fatal(err)
		}
		got, err := s.Learner(ctx, "learner/1")
		if err != nil {
			t.Fatal(err)
		}
		bare.Seq, bare.Check = -2, true
		want := &Learner{ID: "learner/1", Attempts: []Attempt{full, bare}, State: State{Served: 2, Checks: []string{"item-9", "item-3"}}}
		if !equalLearners(got, want) {
			t.Fatalf("stored\n%+v\nread back\n%+v", want, got)
		}
		// An update that fails stores nothing, attempts or state.
		refused := errors.New("no")
		_, _, err = s.Append(ctx, "learner/1", []Attempt{attempt("ev-3", "item-3", NoSeq, true, true)},
			func(l *Learner, _ int) error { l.State.Served = 100; return refused })
		if !errors.Is(err, refused) {
			t.Fatalf("failing update: %v", err)
		}
		if got, _ := s.Learner(ctx, "learner/1"); !equalLearners(got, want) {
			t.Fatalf("a failed update changed the learner: %+v", got)
		}
		// A state change alone (a scoring that recommended) is stored.
		if _, added, err := s.Append(ctx, "learner/1", nil, func(l *Learner, _ int) error { l.State.Checks = nil; return nil }); err != nil || added != 0 {
			t.Fatal(added, err)
		}
		if got, _ := s.Learner(ctx, "learner/1"); len(got.State.Checks) != 0 {
			t.Fatalf("checks not cleared: %+v", got.State)
		}
	})
}

// equalLearners compares learners with NaN equal to NaN.
func equalLearners(a, b *Learner) bool {
	if a.ID != b.ID || a.State.Served != b.State.Served || !slices.Equal(a.State.Checks, b.State.Checks) || len(a.Attempts) != len(b.Attempts) {
		return false
	}
	for i := range a.Attempts {
		x, y := a.Attempts[i], b.Attempts[i]
		if math.IsNaN(x.ResponseMS) && math.IsNaN(y.ResponseMS) {
			x.ResponseMS, y.ResponseMS = 0, 0
		}
		if math.IsNaN(x.Difficulty) && math.IsNaN(y.Difficulty) {
			x.Difficulty, y.Difficulty = 0, 0
		}
		if len(x.Groups) == 0 && len(y.Groups) == 0 {
			x.Groups, y.Groups = nil, nil
		}
		if len(x.Skills) == 0 && len(y.Skills) == 0 {
			x.Skills, y.Skills = nil, nil
		}
		if !x.Time.Equal(y.Time) {
			return false
		}
		x.Time, y.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestDeleteAndExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ids := []string{"b", "a", "B", "ä", "a1"}
		for k, id := range ids {
			var batch []Attempt
			for i := range k + 1 {
				batch = append(batch, attempt(fmt.Sprint("e", i), fmt.Sprint("item-", i), NoSeq, i%2 == 0, true))
			}
			if _, _, err := s.Append(ctx, id, batch, nil); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := s.Delete(ctx, "a"); err != nil || !ok {
			t.Fatalf("delete a: %v %v", ok, err)
		}
		if ok, err := s.Delete(ctx, "a"); err != nil || ok {
			t.Fatalf("delete a again: %v %v", ok, err)
		}
		if _, err := s.Learner(ctx, "a"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted learner: %v", err)
		}
		var got []string
		err := s.Export(ctx, func(l *Learner) error {
			got = append(got, fmt.Sprintf("%s:%d", l.ID, len(l.Attempts)))
			for i, a := range l.Attempts {
				if a.Seq != int64(i+1) {
					return fmt.Errorf("%s attempt %d seq %d", l.ID, i, a.Seq)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Byte order of the ids, on both databases; the deleted learner's
		// attempts are gone with it (its 2 attempts would shift every count).
		want := []string{"B:3", "a1:5", "b:1", "ä:4"}
		if !slices.Equal(got, want) {
			t.Fatalf("export: got %v, want %v", got, want)
		}
		// Re-appending a deleted learner's old event ids starts afresh.
		if _, added, err := s.Append(ctx, "a", []Attempt{attempt("e0", "x", 1, true, true)}, nil); err != nil || added != 1 {
			t.Fatal(added, err)
		}
	})
}

// TestConcurrentAppendsCountEachAttemptOnce posts one learner's attempts
// from many goroutines at once, each also retrying attempts already
// posted (by itself or another), as clients on several connections do.
func TestConcurrentAppendsCountEachAttemptOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		const workers, each = 12, 20
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					batch := []Attempt{attempt(fmt.Sprintf("w%d-%d", w, i), fmt.Sprint("item-", i), NoSeq, i%3 == 0, i%2 == 0)}
					if i > 0 { // a retry of an earlier attempt, sometimes another worker's
						o := (w + i) % workers
						batch = append(batch, attempt(fmt.Sprintf("w%d-%d", o, i-1), fmt.Sprint("item-", i-1), NoSeq, (i-1)%3 == 0, (i-1)%2 == 0))
					}
					_, _, err := s.Append(ctx, "shared", batch, func(l *Learner, added int) error {
						l.State.Served += int64(added)
						return nil
					})
					if err != nil && !errors.Is(err, ErrUnavailable) {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		l, err := s.Learner(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, a := range l.Attempts {
			if seen[a.EventID] {
				t.Fatalf("event %s stored twice", a.EventID)
			}
			seen[a.EventID] = true
			if a.Seq != int64(i+1) {
				t.Fatalf("attempt %d has seq %d", i, a.Seq)
			}
		}
		if len(l.Attempts) != workers*each || l.State.Served != workers*each {
			t.Fatalf("%d attempts stored, served %d; want %d each", len(l.Attempts), l.State.Served, workers*each)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"mysql://x", "want sqlite:PATH or postgres://"},
		{"sqlite:", "no file"},
		{"sqlite:/tmp/a?b", "not allowed"},
		{"postgres://zpd:hunter2@127.0.0.1:1/none?connect_timeout=2", "unavailable"},
	} {
		_, err := Open(ctx, tc.dsn, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q): %v, want an error containing %q", tc.dsn, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): the error shows the password: %v", tc.dsn, err)
		}
	}
}

// Keep database/sql's driver registry honest: both drivers are linked.
var _ = sql.Drivers
