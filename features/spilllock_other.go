//go:build !unix

package features

import (
	"errors"
	"os"
)

// lockSpill cannot lock here: a spill directory is removed by the run that
// made it, and one left by a killed run stays (sweepSpills leaves it).
func lockSpill(dir string) (*os.File, error) {
	return nil, errors.ErrUnsupported
}
