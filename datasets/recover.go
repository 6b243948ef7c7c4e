package datasets

import (
	"fmt"
	"strings"
)

// recoverError turns a panic into an error naming path. The Arrow and
// Parquet libraries can panic on corrupt input (slice bounds, bad varints);
// every exported entry point that touches file bytes defers this so that a
// damaged file is reported as one line, never a crash.
func recoverError(err *error, path string) {
	r := recover()
	if r == nil {
		return
	}
	*err = fmt.Errorf("%s: corrupt or unreadable file: %s", path, firstLine(fmt.Sprint(r)))
}

// firstLine returns s up to its first newline, so that wrapped library
// errors with stack traces stay one line.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
