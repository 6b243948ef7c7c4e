package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// FormatVersion is the version of the output layout and manifest.
const FormatVersion = 2

// Output directories and files, relative to Config.Out.
const (
	LearnersDir  = "learners"
	ReadinessDir = "readiness"
	// RecommendationsDir holds the recommendations table (Config.Recommend).
	RecommendationsDir = "recommendations"
	ReceiptsDir        = "_receipts"
)

// OutputFile describes one output file in a receipt or manifest.
type OutputFile struct {
	// Path is relative to the output directory, with forward slashes.
	Path   string `json:"path"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// RunKey identifies what a shard's outputs were computed from. A part's
// receipt is reused only when its RunKey equals the current run's.
type RunKey struct {
	FormatVersion    int    `json:"format_version"`
	ModelVersion     string `json:"model_version"`
	ModelParamsSHA   string `json:"model_params_sha256"`
	InputFingerprint string `json:"input_fingerprint"`
	// CandidatesSHA256 is the candidates file's checksum; empty without one.
	CandidatesSHA256 string `json:"candidates_sha256,omitempty"`
	Shard            Shard  `json:"shard"`
	// Parts is the number of parts the shard was split into.
	Parts int `json:"parts"`
	// Recommend and Policy are Config.Recommend and the policy's name;
	// zero and empty without recommendations.
	Recommend int    `json:"recommend,omitempty"`
	Policy    string `json:"policy,omitempty"`
}

// Receipt records one finished part: its output files with their rows
// and checksums. It is written after the files, so its presence (with
// files that still match) means the part is done.
type Receipt struct {
	RunKey
	Part          int   `json:"part"`
	Learners      int64 `json:"learners"`
	Attempts      int64 `json:"attempts"`
	ReadinessRows int64 `json:"readiness_rows"`
	// RecommendationRows counts the recommendations table's rows.
	RecommendationRows int64        `json:"recommendation_rows,omitempty"`
	Files              []OutputFile `json:"files"`
	// UnknownCounts are the whole shard's, not the part's: they depend
	// only on the RunKey, so every receipt of a run holds the same counts
	// and a manifest written from reused receipts alone still has them.
	UnknownCounts
}

// UnknownCounts counts a shard's attempts at items the model does not know
// (they inform only their known skills) and the distinct items among them.
type UnknownCounts struct {
	Attempts int64 `json:"unknown_attempts"`
	Items    int64 `json:"unknown_items"`
}

// Manifest describes a finished shard: every output file with its row
// count and SHA-256, and what produced them.
type Manifest struct {
	RunKey
	Input          string `json:"input"`
	Candidates     string `json:"candidates,omitempty"`
	CandidateItems int    `json:"candidate_items"`
	Learners       int64  `json:"learners"`
	Attempts       int64  `json:"attempts"`
	ReadinessRows  int64  `json:"readiness_rows"`
	UnknownCounts
	// RecommendationRows counts the recommendations tables' rows.
	RecommendationRows int64        `json:"recommendation_rows,omitempty"`
	Files              []OutputFile `json:"files"`
	BuildVersion       string       `json:"build_version,omitempty"`
	CreatedAt          time.Time    `json:"created_at"`
}

// ManifestName returns the file name of a shard's manifest in the output
// directory.
func ManifestName(s Shard) string { return "manifest." + s.normalized().name() + ".json" }

// partName names part p of the run's outputs: shard-0000-of-0001.part-0003-of-0008.
func (k *RunKey) partName(p int) string {
	return fmt.Sprintf("%s.part-%04d-of-%04d", k.Shard.name(), p, k.Parts)
}

// partFiles returns the output paths (relative, slash-separated) of part
// p and its receipt.
func (k *RunKey) partFiles(p int, readiness bool) (outputs []string, receipt string) {
	name := k.partName(p)
	outputs = []string{LearnersDir + "/" + name + ".parquet"}
	if readiness {
		outputs = append(outputs, ReadinessDir+"/"+name+".parquet")
	}
	if k.Recommend > 0 {
		outputs = append(outputs, RecommendationsDir+"/"+name+".parquet")
	}
	return outputs, ReceiptsDir + "/" + name + ".json"
}

// writeJSON writes v to path atomically.
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(raw, '\n'))
}

// loadReceipt returns the receipt of part p when it matches key and its
// files are in place with their recorded size and checksum.
func loadReceipt(out string, key *RunKey, p int, readiness bool) (*Receipt, bool) {
	outputs, rel := key.partFiles(p, readiness)
	raw, err := os.ReadFile(joinRel(out, rel))
	if err != nil {
		return nil, false
	}
	var r Receipt
	if json.Unmarshal(raw, &r) != nil || r.RunKey != *key || r.Part != p || len(r.Files) != len(outputs) {
		return nil, false
	}
	for i, f := range r.Files {
		if f.Path != outputs[i] || verifyFile(out, f) != nil {
			return nil, false
		}
	}
	return &r, true
}

// loadManifest returns the shard's manifest when it matches key and every
// file it lists is in place.
func loadManifest(out string, key *RunKey) (*Manifest, bool) {
	raw, err := os.ReadFile(filepath.Join(out, ManifestName(key.Shard)))
	if err != nil {
		return nil, false
	}
	var m Manifest
	if json.Unmarshal(raw, &m) != nil || m.RunKey != *key {
		return nil, false
	}
	for _, f := range m.Files {
		if verifyFile(out, f) != nil {
			return nil, false
		}
	}
	return &m, true
}

// verifyFile checks that f is in out with its recorded size and SHA-256.
func verifyFile(out string, f OutputFile) error {
	path := joinRel(out, f.Path)
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	h := sha256.New()
	n, err := io.Copy(h, file)
	if err != nil {
		return err
	}
	if n != f.Bytes || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("%s: size or checksum differs from the receipt", path)
	}
	return nil
}

// VerifyManifest checks every file the manifest at path lists against its
// size and SHA-256; the files are looked up next to the manifest.
func VerifyManifest(path string) (*Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var errs []error
	for _, f := range m.Files {
		if err := verifyFile(filepath.Dir(path), f); err != nil {
			errs = append(errs, err)
		}
	}
	return &m, errors.Join(errs...)
}

// removeStale deletes this shard's files that the current plan does not
// produce (left by a run with other parts, or with candidates when this
// one has none), temporary files of interrupted writes, and the shard's
// manifest, which is rewritten at the end. Other shards' files are left
// alone: they may be written by other machines at the same time.
func removeStale(out string, key *RunKey, readiness bool) error {
	keep := map[string]bool{}
	for p := range key.Parts {
		outputs, receipt := key.partFiles(p, readiness)
		for _, o := range append(outputs, receipt) {
			keep[o] = true
		}
	}
	prefix := key.Shard.name() + "."
	for _, dir := range []string{LearnersDir, ReadinessDir, RecommendationsDir, ReceiptsDir} {
		entries, err := os.ReadDir(filepath.Join(out, dir))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			ours := strings.HasPrefix(name, prefix) || strings.HasPrefix(name, "."+prefix)
			if ours && !keep[dir+"/"+name] {
				if err := os.Remove(filepath.Join(out, dir, name)); err != nil {
					return err
				}
			}
		}
	}
	err := os.Remove(filepath.Join(out, ManifestName(key.Shard)))
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return err
}
