package catalog

import (
	"context"
	"os"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
)

// loadAssistments2009 reads an ASSISTments 2009 skill-builder CSV into a
// Log with the project's importer, which applies the protocol's mapping.
func loadAssistments2009(path string) (*datasets.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	imp := assistments.New2009()
	log := datasets.NewLog(imp.Groups()...)
	_, err = imp.Import(context.Background(), f, path, func(a *datasets.Attempt) error {
		log.Append(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return log, nil
}
