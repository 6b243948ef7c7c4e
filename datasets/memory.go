package datasets

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// logBytes estimates the memory a Log holds: its fixed-width columns and
// a string header per group value, per row, and one int32 per skill id.
func logBytes(rows, skills int64, groups int) int64 {
	const perRow = 4 + 4 + 4 + 8 + 8 + 4*1 + 3*4 + 2*8 // ids, skill start, seq, time, flags, counts, floats
	return rows*(perRow+16*int64(groups)) + 4*skills
}

// checkFits fails when a log of rows rows, skills skill ids and groups
// group columns cannot be held in a Log: more skill ids than its int32
// offsets address, or more memory than available (0: unknown) bytes.
// Failing here gives a clear error where allocating would crash the
// process.
func checkFits(rows, skills int64, groups int, available int64) error {
	if skills > math.MaxInt32 || rows > math.MaxInt32 {
		return fmt.Errorf("%d rows with %d skill ids exceed what a Log addresses (2^31-1 of each); stream the log instead", rows, skills)
	}
	need := logBytes(rows, skills, groups)
	if available > 0 && need > available {
		return fmt.Errorf("its %d rows need about %.1f GB in memory, more than the %.1f GB available; stream it (zpd validate, zpd score) or read fewer files",
			rows, float64(need)/1e9, float64(available)/1e9)
	}
	return nil
}

// availableMemory returns the memory the kernel reports available
// (MemAvailable in /proc/meminfo), or 0 where it does not.
func availableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
