// Command zpd learns, from logs of learners working with and without
// support, each learner's ability alone, their ZPD elasticity and their point
// of difficulty, and serves that to learning platforms.
//
// The command only wires configuration to package calls; see the packages
// under datasets/ and models/ for the work itself.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long a command gets to stop cleanly after SIGINT or
// SIGTERM (its context is cancelled) before zpd exits anyway, so that a
// signal is answered within a second at any stage, even inside a library
// call that does not watch the context. Exiting mid-write is safe: every
// output is published by an atomic rename, and the temporary files a
// stopped run leaves are removed by the next run.
const stopGrace = 700 * time.Millisecond

// drainsAnnotation marks a command that stops on its own schedule after a
// signal (serve drains in-flight requests for its shutdown timeout); a
// second signal still stops it at once.
const drainsAnnotation = "zpd.drains"

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	grace := stopGrace
	if cmd, _, err := newRootCmd(io.Discard, io.Discard).Find(os.Args[1:]); err == nil && cmd.Annotations[drainsAnnotation] != "" {
		grace = 0
	}
	go stopOnSignal(sigs, cancel, grace, os.Stderr)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// stopOnSignal cancels the command's context on the first signal and ends
// the process grace later (never, for grace 0) or on a second signal, with
// the shell's exit code for the signal.
func stopOnSignal(sigs <-chan os.Signal, cancel context.CancelFunc, grace time.Duration, stderr io.Writer) {
	sig := <-sigs
	cancel()
	var deadline <-chan time.Time
	if grace > 0 {
		deadline = time.After(grace)
	}
	select {
	case <-sigs:
	case <-deadline:
	}
	fmt.Fprintf(stderr, "zpd: stopped by %s\n", sig)
	code := 1
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	os.Exit(code)
}

// run executes zpd with args and returns the process exit code. Errors are
// printed as one line on stderr, never as a stack trace.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		err = explain(err)
		// Some libraries format errors over several lines; keep the one-line promise.
		fmt.Fprintf(stderr, "zpd: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return 1
	}
	return 0
}
