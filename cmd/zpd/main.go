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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
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
