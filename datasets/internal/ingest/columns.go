package ingest

import (
	"fmt"
	"strings"
)

// Columns maps header names to field indexes; the first of repeated names
// wins.
type Columns map[string]int

// NewColumns indexes a header.
func NewColumns(header []string) Columns {
	c := make(Columns, len(header))
	for i, h := range header {
		if _, dup := c[h]; !dup {
			c[h] = i
		}
	}
	return c
}

// Index returns the field index of column name, or -1 when absent.
func (c Columns) Index(name string) int {
	if i, ok := c[name]; ok {
		return i
	}
	return -1
}

// Require returns an error naming file and every column of names the header
// lacks, or nil when it has them all.
func (c Columns) Require(file string, names ...string) error {
	var missing []string
	for _, n := range names {
		if _, ok := c[n]; !ok {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s: missing required column %s", file, missing[0])
	}
	return fmt.Errorf("%s: missing required columns %s", file, strings.Join(missing, ", "))
}

// Clip shortens a field for an error message.
func Clip(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
