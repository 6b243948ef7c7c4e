// Package guard holds, for TestGuardCatchesCounters, the practice counters
// zpd had before package features, cut from their files at commit defbca5.
package guard

import "github.com/zpd-project/zpd/datasets"

// From models/bestlr/bestlr.go.
type history struct {
	attempts, successes float64
	hints               float64
	hinted              float64
	item, skill         map[string][2]float64
}

func (h *history) observe(a *datasets.Attempt) {
	y := 0.0
	if a.Independent {
		y = 1
	}
	h.attempts++
	h.successes += y
	h.hints += float64(a.HintsUsed)
	if a.HintsUsed > 0 {
		h.hinted++
	}
	it := h.item[a.Item]
	h.item[a.Item] = [2]float64{it[0] + 1, it[1] + y}
	for _, s := range a.Skills {
		n := h.skill[s]
		h.skill[s] = [2]float64{n[0] + 1, n[1] + y}
	}
}
