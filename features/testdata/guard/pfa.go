package guard

import "github.com/zpd-project/zpd/datasets"

// From models/pfa/pfa.go.
type counts map[string][2]float64

func (c counts) observe(a *datasets.Attempt) {
	for _, s := range a.Skills {
		n := c[s]
		if a.Independent {
			n[0]++
		} else {
			n[1]++
		}
		c[s] = n
	}
}
