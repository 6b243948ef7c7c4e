package elasticity

import (
	"fmt"

	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/artifact"
)

// Load reads the elasticity artifact in dir (a model folder, see package
// artifact). An artifact of another family is refused naming both, so a
// scorer links only this family rather than every family of the catalog.
func Load(dir string) (*Model, artifact.Metadata, error) {
	a, err := artifact.Load(dir, func(family string) (models.Family, error) {
		if family != Name && family != FeedbackName {
			return nil, fmt.Errorf("family %q cannot score learners: scoring needs an %q model (train with --family %s)", family, Name, Name)
		}
		return Family{}, nil
	})
	if err != nil {
		return nil, artifact.Metadata{}, err
	}
	return a.Model.(*Model), a.Metadata, nil
}
