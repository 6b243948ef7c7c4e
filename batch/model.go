package batch

import (
	"fmt"

	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/catalog"
	"github.com/zpd-project/zpd/models/elasticity"
)

// loadModel loads the elasticity artifact in dir. Batch scoring needs the
// elasticity Scorer, so an artifact of another family is an error.
func loadModel(dir string) (*elasticity.Model, artifact.Metadata, error) {
	a, err := artifact.Load(dir, catalog.Lookup)
	if err != nil {
		return nil, artifact.Metadata{}, err
	}
	m, ok := a.Model.(*elasticity.Model)
	if !ok {
		return nil, artifact.Metadata{}, fmt.Errorf("model %s: family %q; scoring needs an %s model", dir, a.Metadata.Family, elasticity.Name)
	}
	return m, a.Metadata, nil
}
