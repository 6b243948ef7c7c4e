// Package catalog maps model family names to their implementations, and
// evaluates families named on the command line.
package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/bestlr"
	"github.com/zpd-project/zpd/models/dkt"
	"github.com/zpd-project/zpd/models/elasticity"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/irt"
	"github.com/zpd-project/zpd/models/itemmean"
	"github.com/zpd-project/zpd/models/pfa"
)

// All returns every known family, in leaderboard order (simplest first).
func All() []models.Family {
	return []models.Family{
		itemmean.Family{},
		irt.Family{},
		pfa.Family{},
		bestlr.Family{},
		bestlr.Family{Support: true},
		bestlr.Family{Support: true, Stage2: true},
		elasticity.Family{},
		elasticity.Family{Feedback: true},
		dkt.Family{},
	}
}

// Names returns the names of All, in order.
func Names() []string {
	var names []string
	for _, f := range All() {
		names = append(names, f.Name())
	}
	return names
}

// Lookup returns the family called name.
func Lookup(name string) (models.Family, error) {
	for _, f := range All() {
		if f.Name() == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("unknown model family %q (known: %s)", name, strings.Join(Names(), ", "))
}

// LookupAll returns the families called names, in order; no names means
// All.
func LookupAll(names []string) ([]models.Family, error) {
	if len(names) == 0 {
		return All(), nil
	}
	out := make([]models.Family, 0, len(names))
	for _, n := range names {
		f, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Evaluate runs the evaluation protocol on log for the named families (all
// families when names is empty).
func Evaluate(ctx context.Context, log *datasets.Log, names []string, opts evaluate.Options) (*evaluate.Leaderboard, error) {
	fams, err := LookupAll(names)
	if err != nil {
		return nil, err
	}
	return evaluate.Run(ctx, log, fams, opts)
}
