package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Fingerprint identifies the content of the log at path (a file, directory
// or Hive tree): the SHA-256 over each file's path relative to path and its
// bytes, in the order readers see the files. Artifacts and batch outputs
// record it so a result can be traced to the exact data it came from.
func Fingerprint(path string) (string, error) {
	files, err := listLog(path)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", path, err)
	}
	h := sha256.New()
	for _, f := range files {
		rel, err := filepath.Rel(path, f.path)
		if err != nil || rel == "." {
			rel = filepath.Base(f.path)
		}
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		if err := hashFile(h, f.path); err != nil {
			return "", fmt.Errorf("fingerprint %s: %w", path, err)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	// The size delimits files, so moving bytes between files changes the hash.
	fmt.Fprintf(w, "%d\x00", st.Size())
	_, err = io.Copy(w, f)
	return err
}
