package batch

import (
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

// loadModel loads the elasticity artifact in dir. Batch scoring needs the
// elasticity Scorer, so an artifact of another family is an error.
func loadModel(dir string) (*elasticity.Model, artifact.Metadata, error) {
	return elasticity.Load(dir)
}
