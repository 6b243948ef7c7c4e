package datasets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// hiveNull is the directory value Hive and Spark write for a null partition.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// logFile is one file of a log with the partition values its directories
// give it.
type logFile struct {
	path      string
	format    Format
	partition []partitionValue
}

// partitionValue is one key=value directory above a file, already mapped
// to the column it fills.
type partitionValue struct {
	column string
	value  string // "" for a null partition
}

// listLog returns the files of the log at path: the file itself, or every
// attempt-log file under the directory, recursively, sorted by path. Files
// and directories whose names start with "." or "_" are skipped (temporary
// files, _SUCCESS markers), as are files with other extensions.
func listLog(path string) ([]logFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		format, err := FormatOf(path)
		if err != nil {
			// A file named explicitly may have any name (Create takes
			// WriteOptions.Format): recognise it by its magic bytes.
			if format, err = sniffFormat(path); err != nil {
				return nil, err
			}
		}
		return []logFile{{path: path, format: format}}, nil
	}
	var files []logFile
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		format, ferr := FormatOf(p)
		if ferr != nil {
			return nil // not a log file: README, CSV sources, checksums
		}
		part, perr := partitionOf(path, p)
		if perr != nil {
			return perr
		}
		files = append(files, logFile{path: p, format: format, partition: part})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .parquet, .arrow, .feather or .ipc files", path)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// partitionOf returns the key=value directories between root and file.
func partitionOf(root, file string) ([]partitionValue, error) {
	rel, err := filepath.Rel(root, filepath.Dir(file))
	if err != nil || rel == "." {
		return nil, err
	}
	var out []partitionValue
	for _, dir := range strings.Split(rel, string(filepath.Separator)) {
		key, value, ok := strings.Cut(dir, "=")
		if !ok {
			continue
		}
		if k, err := url.PathUnescape(key); err == nil {
			key = k
		}
		if v, err := url.PathUnescape(value); err == nil {
			value = v
		}
		if value == hiveNull {
			value = ""
		}
		col, err := partitionColumn(key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, partitionValue{column: col, value: value})
	}
	return out, nil
}

// partitionColumn maps a partition key to the column it fills: learner_id
// and item_id fill those columns, any other key is a group column (with
// GroupPrefix added when missing).
func partitionColumn(key string) (string, error) {
	switch key {
	case ColLearner, ColItem:
		return key, nil
	case "":
		return "", fmt.Errorf("empty partition key")
	}
	for _, c := range canonicalColumns {
		if key == c.name {
			return "", fmt.Errorf("partition key %q: only %s, %s and group columns can be partition keys", key, ColLearner, ColItem)
		}
	}
	return normalizedGroup(key), nil
}

// ErrNotLog is returned for a file named as a log that is neither Parquet
// nor Arrow IPC, such as a CSV source not yet imported.
var ErrNotLog = errors.New("neither Parquet nor Arrow IPC")

// sniffFormat recognises a Parquet or Arrow IPC file by its leading magic
// bytes.
func sniffFormat(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, 6)
	n, _ := io.ReadFull(f, head)
	switch {
	case n >= 4 && string(head[:4]) == "PAR1":
		return FormatParquet, nil
	case n >= 6 && string(head[:6]) == "ARROW1":
		return FormatIPC, nil
	}
	return 0, fmt.Errorf("%s: %w (by extension or content)", path, ErrNotLog)
}
