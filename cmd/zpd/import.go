package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
	"github.com/zpd-project/zpd/datasets/datashop"
)

// importers maps each --format name to its importer.
var importers = map[string]func() datasets.Importer{
	"assistments2009": func() datasets.Importer { return assistments.New2009() },
	"assistments2017": func() datasets.Importer { return assistments.New2017() },
	"datashop":        func() datasets.Importer { return datashop.New() },
}

func importFormats() []string {
	names := make([]string, 0, len(importers))
	for n := range importers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type importSettings struct {
	Format string `json:"format"`
	Data   string `json:"data"`
	Out    string `json:"out"`
	JSON   bool   `json:"json"`
}

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import --format FORMAT --data FILE --out FILE.parquet",
		Short: "Convert a public learner log to the canonical attempt log",
		Long: `import reads a log in a public format and writes the canonical attempt log
(Parquet, or Arrow IPC for .arrow/.feather). Rows that repeat one attempt per
skill are collapsed into one attempt with a skill list, exact duplicates are
merged into their attempt, and every rejected row is counted by reason. The
summary is printed and saved beside the log (OUT.import.json) for reports.
The output is written atomically: on any error no output file is left.

Formats: ` + strings.Join(importFormats(), ", ") + ` (see docs/importers.md).`,
		Example: `  zpd import --format assistments2009 --data testdata/public/assistments2009-excerpt/as_supersmall.csv --out as2009.parquet
  zpd import --format datashop testdata/public/cognitive-tutor-algebra-2006/ct.tsv --out ct.parquet`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positionalData(cmd, args); err != nil {
				return err
			}
			var s importSettings
			if err := loadConfig(cmd, "import", &s); err != nil {
				return err
			}
			return runImport(cmd, s)
		},
	}
	f := cmd.Flags()
	f.String("format", "", "source format: "+strings.Join(importFormats(), ", "))
	addDataFlag(cmd, "source file (--in is the same flag)")
	f.String("out", "", "output log (.parquet, .arrow or .feather)")
	f.Bool("json", false, "print the summary as JSON")
	return cmd
}

func runImport(cmd *cobra.Command, s importSettings) error {
	if s.Format == "" {
		return fmt.Errorf("import: --format is required: one of %s (docs/importers.md)", strings.Join(importFormats(), ", "))
	}
	newImporter, ok := importers[s.Format]
	if !ok {
		return fmt.Errorf("import: unknown --format %q (known: %s)", s.Format, strings.Join(importFormats(), ", "))
	}
	if s.Data == "" || s.Out == "" {
		return fmt.Errorf("import: --data (the source file) and --out are required")
	}
	imp := newImporter()
	in, err := os.Open(s.Data)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	// Like train and score, import makes the directory it writes into.
	if err := os.MkdirAll(filepath.Dir(s.Out), 0o755); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w, err := datasets.Create(s.Out, datasets.WriteOptions{Groups: imp.Groups()})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer w.Abort()
	sum, err := imp.Import(cmd.Context(), in, s.Data, w.Write)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := datasets.SaveImportSummary(s.Out, sum); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	out := cmd.OutOrStdout()
	if s.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	fmt.Fprintf(out, "%s -> %s\n%s\n", s.Data, s.Out, sum)
	return nil
}
