// Package artifact saves and loads fitted models in zpd's one artifact
// format: a directory holding
//
//	params         the family's parameters, as Model.MarshalParams writes them
//	metadata.json  Metadata: versions, family, config, data fingerprint, counts, metrics
//	summary.txt    a human-readable summary
//	report.html    optionally, the report zpd train renders beside the model
//
// A directory is written next to its final path and renamed into place, so a
// reader sees the old artifact or the complete new one, never a mix. Save
// replaces only an artifact: a directory holding anything else is refused,
// so a mistyped path never deletes a user's files.
package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zpd-project/zpd/models"
)

// FormatVersion is the version of the artifact layout (not of a family's
// parameter format, which the family versions itself).
const FormatVersion = 1

// File names inside an artifact directory.
const (
	ParamsFile   = "params"
	MetadataFile = "metadata.json"
	SummaryFile  = "summary.txt"
	ReportFile   = "report.html"
)

// ownFiles are the names Save and zpd train write in an artifact
// directory; an existing directory holding any other name is not replaced.
var ownFiles = []string{ParamsFile, MetadataFile, SummaryFile, ReportFile}

// Counts describes the training data.
type Counts struct {
	Attempts int `json:"attempts"`
	Learners int `json:"learners"`
	Items    int `json:"items"`
	Skills   int `json:"skills"`
}

// Metadata describes how an artifact was made.
type Metadata struct {
	FormatVersion   int                `json:"format_version"`
	Family          string             `json:"family"`
	ModelVersion    string             `json:"model_version"`
	SchemaVersion   string             `json:"schema_version"`
	BuildVersion    string             `json:"build_version"`
	CreatedAt       time.Time          `json:"created_at"`
	DataFingerprint string             `json:"data_fingerprint"`
	ParamsSHA256    string             `json:"params_sha256"`
	Config          map[string]any     `json:"config,omitempty"`
	Counts          Counts             `json:"counts"`
	Metrics         map[string]float64 `json:"metrics,omitempty"`
}

// Artifact is a loaded model with its metadata.
type Artifact struct {
	Model    models.Model
	Metadata Metadata
}

// Save writes m and meta to dir atomically. meta.Family, ParamsSHA256,
// FormatVersion and ModelVersion are filled in: the version is the family
// name and the first 12 hex digits of the parameters' SHA-256, so that a
// changed model never carries an old version.
func Save(dir string, m models.Model, meta Metadata, summary string) error {
	params, err := m.MarshalParams()
	if err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	sum := sha256.Sum256(params)
	meta.FormatVersion = FormatVersion
	meta.Family = m.Family()
	meta.ParamsSHA256 = hex.EncodeToString(sum[:])
	meta.ModelVersion = modelVersion(meta.Family, meta.ParamsSHA256)
	metaJSON, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: metadata: %w", dir, err)
	}
	files := map[string][]byte{
		ParamsFile:   params,
		MetadataFile: append(metaJSON, '\n'),
		SummaryFile:  []byte(summary),
	}
	return writeDirAtomic(dir, files)
}

// Load reads the artifact in dir, decoding the parameters with the family
// that lookup returns for the recorded family name. It checks the format
// version and the parameters' checksum, so a damaged artifact is rejected.
func Load(dir string, lookup func(family string) (models.Family, error)) (*Artifact, error) {
	raw, err := os.ReadFile(filepath.Join(dir, MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", dir, err)
	}
	var meta Metadata
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("load model %s: %s: %w", dir, MetadataFile, err)
	}
	if meta.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("load model %s: artifact format version %d, this zpd reads %d", dir, meta.FormatVersion, FormatVersion)
	}
	params, err := os.ReadFile(filepath.Join(dir, ParamsFile))
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", dir, err)
	}
	if sum := sha256.Sum256(params); hex.EncodeToString(sum[:]) != meta.ParamsSHA256 {
		return nil, fmt.Errorf("load model %s: %s does not match the checksum in %s", dir, ParamsFile, MetadataFile)
	}
	if want := modelVersion(meta.Family, meta.ParamsSHA256); meta.ModelVersion != want {
		return nil, fmt.Errorf("load model %s: model_version %q in %s does not match its parameters (%s)", dir, meta.ModelVersion, MetadataFile, want)
	}
	fam, err := lookup(meta.Family)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", dir, err)
	}
	m, err := fam.Unmarshal(params)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %s: %w", dir, ParamsFile, err)
	}
	return &Artifact{Model: m, Metadata: meta}, nil
}

// modelVersion names a model by its family and parameters.
func modelVersion(family, paramsSHA256 string) string {
	return family + "-" + paramsSHA256[:min(12, len(paramsSHA256))]
}

// writeDirAtomic writes files into a fresh sibling directory, syncs them and
// renames the directory over dir. An existing dir is moved aside first and
// removed after the swap.
func writeDirAtomic(dir string, files map[string][]byte) (err error) {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	// Checked before anything is written, so a refused save leaves no trace.
	if _, err := replaceable(dir); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for name, data := range files {
		if err := writeSynced(filepath.Join(tmp, name), data); err != nil {
			return fmt.Errorf("save %s: %w", dir, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	old := ""
	if exists, err := replaceable(dir); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	} else if exists {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("save %s: move old artifact aside: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return fmt.Errorf("save %s: %w", dir, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// replaceable reports whether dir exists, and fails unless it is absent, an
// empty directory, or an artifact holding only files an artifact holds.
func replaceable(dir string) (exists bool, err error) {
	info, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !info.IsDir() {
		return true, errors.New("it exists and is not a directory; zpd replaces only a model artifact it wrote")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	// An artifact is recognised by its zpd metadata, or, damaged, by its
	// params and metadata.json together (so that a broken artifact can be
	// replaced by a good one).
	var meta Metadata
	raw, err := os.ReadFile(filepath.Join(dir, MetadataFile))
	ours := err == nil && json.Unmarshal(raw, &meta) == nil && meta.FormatVersion >= 1 && meta.Family != ""
	if _, perr := os.Lstat(filepath.Join(dir, ParamsFile)); !ours && (err != nil || perr != nil) {
		return true, errors.New("it is not a zpd model artifact (no zpd metadata.json) and not empty; refusing to replace it: choose a new or empty directory")
	}
	for _, e := range entries {
		if !slices.Contains(ownFiles, e.Name()) || !e.Type().IsRegular() {
			return true, fmt.Errorf("the artifact also holds %s, which zpd did not write; refusing to replace it: move that away or choose another directory", e.Name())
		}
	}
	return true, nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
