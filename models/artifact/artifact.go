// Package artifact saves and loads fitted models in zpd's one artifact
// format: a directory holding
//
//	params         the family's parameters, as Model.MarshalParams writes them
//	metadata.json  Metadata: versions, family, config, data fingerprint, counts, metrics
//	summary.txt    a human-readable summary
//	report.html    optionally, the report zpd train renders beside the model
//
// Save publishes such a directory as a version inside the model directory
// it is given, and switches one symlink, current, to it:
//
//	models/as2009/current -> v-20261205T104500.000000000Z-elasticity-0123456789ab
//	models/as2009/v-…/params, metadata.json, summary.txt, report.html
//	models/as2009/params -> current/params   (and the other names likewise)
//
// Switching current is one rename, and Load reads current once and then
// every file from that version, so a reader racing a Save sees the old
// artifact or the complete new one, never the metadata of one with the
// parameters of the other. The previous version is kept (a reader that
// resolved it just before the switch can finish); older ones are removed.
// A plain artifact directory (no current) still loads, and the next Save
// turns it into a versioned one in place. Save replaces only what zpd
// wrote: a directory holding anything else is refused, so a mistyped path
// never deletes a user's files.
package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// CurrentLink is the symlink in a model directory that names the version
// served; versionPrefix starts every version's folder name.
const (
	CurrentLink   = "current"
	versionPrefix = "v-"
	tempPrefix    = ".tmp-"
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
	return publish(dir, meta.ModelVersion, files)
}

// Resolve returns the directory holding the artifact that dir serves: the
// version its current link names, read once, or dir itself for a plain
// artifact directory.
func Resolve(dir string) (string, error) {
	target, err := os.Readlink(filepath.Join(dir, CurrentLink))
	if errors.Is(err, os.ErrNotExist) {
		return dir, nil
	}
	if err != nil {
		return "", err
	}
	if filepath.IsAbs(target) || strings.Contains(target, string(filepath.Separator)) || !strings.HasPrefix(target, versionPrefix) {
		return "", fmt.Errorf("%s points to %s, not a version in %s", CurrentLink, target, dir)
	}
	return filepath.Join(dir, target), nil
}

// Load reads the artifact in dir, decoding the parameters with the family
// that lookup returns for the recorded family name. It checks the format
// version and the parameters' checksum, so a damaged artifact is rejected.
func Load(dir string, lookup func(family string) (models.Family, error)) (*Artifact, error) {
	for attempt := 0; ; attempt++ {
		version, err := Resolve(dir)
		if err != nil {
			return nil, fmt.Errorf("load model %s: %w", dir, err)
		}
		a, err := loadVersion(dir, version, lookup)
		// A version can vanish under a reader that stalled for two Saves
		// (only the newest two are kept): read the current one then.
		if err == nil || attempt == 2 || !errors.Is(err, fs.ErrNotExist) {
			return a, err
		}
		if again, _ := Resolve(dir); again == version {
			return nil, err
		}
	}
}

// loadVersion reads the artifact in version, the folder dir resolves to.
func loadVersion(dir, version string, lookup func(family string) (models.Family, error)) (*Artifact, error) {
	raw, err := os.ReadFile(filepath.Join(version, MetadataFile))
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
	params, err := os.ReadFile(filepath.Join(version, ParamsFile))
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

// publish writes files as a new version folder in dir and switches dir's
// current link to it; see the package documentation.
func publish(dir, modelVersion string, files map[string][]byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	// Checked before anything is written, so a refused save leaves no trace.
	if _, err := replaceable(dir); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	removeTemps(dir)
	tmp, err := os.MkdirTemp(dir, tempPrefix+"v-*")
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
	name := versionPrefix + time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + modelVersion
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	syncDir(dir)
	if err := switchLink(dir, CurrentLink, name); err != nil {
		os.RemoveAll(filepath.Join(dir, name))
		return fmt.Errorf("save %s: %w", dir, err)
	}
	// The artifact's names at the top keep working, through current; a
	// plain artifact's files of those names are replaced here.
	for _, f := range ownFiles {
		want := filepath.Join(CurrentLink, f)
		if got, err := os.Readlink(filepath.Join(dir, f)); err == nil && got == want {
			continue
		}
		if err := switchLink(dir, f, want); err != nil {
			return fmt.Errorf("save %s: model published, but %s: %w", dir, f, err)
		}
	}
	syncDir(dir)
	prune(dir, name)
	return nil
}

// switchLink points dir/name at target with one rename, so a reader sees
// the old link or the new one.
func switchLink(dir, name, target string) error {
	tmp := filepath.Join(dir, fmt.Sprintf("%slink-%d-%s", tempPrefix, os.Getpid(), name))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// prune removes the versions older than the newest two (current, and the
// one before for readers that resolved it just before the switch), each
// only if it holds nothing but an artifact's files.
func prune(dir, current string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	var versions []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), versionPrefix) && e.Name() != current {
			versions = append(versions, e.Name())
		}
	}
	slices.Sort(versions)
	for _, v := range versions[:max(0, len(versions)-1)] {
		if onlyOwnFiles(filepath.Join(dir, v)) {
			os.RemoveAll(filepath.Join(dir, v))
		}
	}
}

// removeTemps removes what a killed Save left in dir (one Save at a time
// writes a model directory).
func removeTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) && (!e.IsDir() || onlyOwnFiles(filepath.Join(dir, e.Name()))) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// onlyOwnFiles reports whether dir holds only regular files of an
// artifact's names.
func onlyOwnFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !slices.Contains(ownFiles, e.Name()) || !e.Type().IsRegular() {
			return false
		}
	}
	return true
}

// replaceable reports whether dir exists, and fails unless it is absent, an
// empty directory, or an artifact holding only files an artifact holds.
func replaceable(dir string) (exists bool, err error) {
	info, err := os.Stat(dir)
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
	if _, err := os.Readlink(filepath.Join(dir, CurrentLink)); err == nil {
		return true, checkVersioned(dir, entries)
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

// checkVersioned fails unless a model directory with a current link holds
// only what Save writes there: the link, versions, the top-level links (or
// a plain artifact's files, being migrated) and a killed Save's leftovers.
func checkVersioned(dir string, entries []os.DirEntry) error {
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == CurrentLink && e.Type()&os.ModeSymlink != 0:
		case slices.Contains(ownFiles, name) && (e.Type()&os.ModeSymlink != 0 || e.Type().IsRegular()):
		case strings.HasPrefix(name, tempPrefix):
		case strings.HasPrefix(name, versionPrefix) && e.IsDir() && onlyOwnFiles(filepath.Join(dir, name)):
		default:
			return fmt.Errorf("the model directory also holds %s, which zpd did not write; refusing to replace it: move that away or choose another directory", name)
		}
	}
	return nil
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

// syncDir makes renames in dir durable; failure is ignored because some
// file systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
