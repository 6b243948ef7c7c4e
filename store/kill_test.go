package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary a child writer (TestMain) appending to the
// store its value names until killed.
const childEnv = "ZPD_STORE_TEST_CHILD_DSN"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		os.Exit(childWriter(dsn))
	}
	os.Exit(m.Run())
}

// childWriter appends attempts to four learners from four goroutines
// forever, printing "ack LEARNER EVENT" once each Append has returned: the
// acknowledgement a server turns into a 200.
func childWriter(dsn string) int {
	s, err := Open(ctx, dsn, testCache)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			learner := fmt.Sprint("k", w)
			for i := 0; ; i++ {
				ev := fmt.Sprint("ev", i)
				_, _, err := s.Append(ctx, learner, []Attempt{attempt(ev, "item", NoSeq, i%2 == 0, true)},
					func(l *Learner, added int) error { l.State.Served += int64(added); return nil })
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintln(out, "ack", learner, ev)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return 0
}

// TestKillAfterAcknowledgedWriteLosesNothing runs a writer in a child
// process, SIGKILLs it mid-stream, and checks that every attempt it
// acknowledged is stored, and that the store opens clean.
func TestKillAfterAcknowledgedWriteLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	forEachBackend(t, func(t *testing.T, dsn string) {
		open(t, dsn).Close() // migrate before the child, so it starts writing at once
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dsn)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]int{} // learner → events acknowledged, in order
		sc := bufio.NewScanner(stdout)
		deadline := time.Now().Add(20 * time.Second)
		for n := 0; n < 400 && time.Now().Before(deadline) && sc.Scan(); n++ {
			var learner, ev string
			if _, err := fmt.Sscanf(sc.Text(), "ack %s %s", &learner, &ev); err != nil {
				t.Fatalf("child said %q: %v", sc.Text(), err)
			}
			if ev != fmt.Sprint("ev", acked[learner]) {
				t.Fatalf("child acknowledged %s %s out of order", learner, ev)
			}
			acked[learner]++
		}
		// Kill while it keeps writing; acknowledgements still in the pipe
		// are read after, and count too.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() {
			var learner, ev string
			if _, err := fmt.Sscanf(sc.Text(), "ack %s %s", &learner, &ev); err == nil {
				acked[learner]++
			}
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child did not die by SIGKILL: %v; stderr:\n%s", err, stderr.String())
		}
		total := 0
		for _, n := range acked {
			total += n
		}
		if total < 40 {
			t.Fatalf("the child acknowledged only %d attempts before the kill; stderr:\n%s", total, stderr.String())
		}
		s := open(t, dsn)
		for learner, n := range acked {
			l, err := s.Learner(ctx, learner)
			if err != nil {
				t.Fatal(err)
			}
			// Every acknowledged attempt is there, in order; at most one
			// more (committed, killed before its acknowledgement).
			if len(l.Attempts) < n || len(l.Attempts) > n+1 {
				t.Fatalf("%s: %d attempts acknowledged, %d stored", learner, n, len(l.Attempts))
			}
			for i, a := range l.Attempts {
				if a.EventID != fmt.Sprint("ev", i) || a.Seq != int64(i+1) {
					t.Fatalf("%s: attempt %d is %s seq %d", learner, i, a.EventID, a.Seq)
				}
			}
			if l.State.Served != int64(len(l.Attempts)) {
				t.Fatalf("%s: served %d with %d attempts: state and attempts were not committed together", learner, l.State.Served, len(l.Attempts))
			}
		}
		t.Logf("%d acknowledged attempts over %d learners survived SIGKILL", total, len(acked))
		// The killed writer left the store writable.
		if _, _, err := s.Append(ctx, "k0", []Attempt{attempt("after", "item", NoSeq, true, true)}, nil); err != nil {
			t.Fatal(err)
		}
	})
}
