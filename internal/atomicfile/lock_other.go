//go:build !unix

package atomicfile

import "os"

func lock(*os.File) {}

// abandoned cannot tell a live write from a dead one without flock, so
// no temporary file is taken for stale.
func abandoned(string) bool { return false }
