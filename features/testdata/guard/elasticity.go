package guard

import "math"

// From models/elasticity/practice.go.
type Outcome uint8

type practice struct {
	n      [3]uint32
	recent [3]float64
}

func (p *practice) add(o Outcome, decay float64) {
	for i := range p.recent {
		p.recent[i] *= decay
	}
	p.recent[o]++
	if p.n[o] < math.MaxUint32 {
		p.n[o]++
	}
}
