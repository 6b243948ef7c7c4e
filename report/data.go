package report

import (
	"math"
	"slices"
	"sort"

	"github.com/zpd-project/zpd/datasets"
)

// DataSummary describes the attempt log.
type DataSummary struct {
	Attempts, Learners, Items, Skills int
	// AttemptsPerLearner are the minimum, median and maximum history length.
	AttemptsPerLearner [3]int
	// IndependentRate is the share of attempts correct alone; FailedAlone
	// counts the others and SupportedRate is their share reached with support.
	IndependentRate float64
	FailedAlone     int
	SupportedRate   float64
	Support         []SupportUse
	// Known is the share of attempts with each optional column known.
	Known  []Share
	Groups []GroupColumn
	// Validation is nil when the log was not validated on reading.
	Validation *datasets.ValidationReport
	Problems   []ProblemCount
	// Import is nil when no import summary was found; ImportNote says why.
	Import     *datasets.ImportSummary
	ImportNote string
	Rejected   []ProblemCount
}

// SupportUse is one kind of support and how often it was used.
type SupportUse struct {
	Kind string
	// Share is the share of all attempts using it; AmongFailed the share of
	// attempts failed alone.
	Share, AmongFailed float64
	// Mean is the mean amount per attempt using it (hints, retries), NaN for yes/no kinds.
	Mean float64
}

// Share is a named fraction.
type Share struct {
	Name  string
	Value float64
}

// GroupColumn is a group column of the log.
type GroupColumn struct {
	Name   string
	Values int // distinct non-empty values
	// Missing is the share of attempts with no value.
	Missing float64
}

// ProblemCount is a kind of problem (or rejection reason) and how often it occurred.
type ProblemCount struct {
	Kind  string
	Count int64
}

func summarizeData(log *datasets.Log, path string, val *datasets.ValidationReport, imp *datasets.ImportSummary) *DataSummary {
	s := &DataSummary{
		Attempts: log.Len(), Learners: log.Learners.Len(), Items: log.Items.Len(), Skills: log.SkillIDs.Len(),
		Validation: val, Import: imp,
	}
	var lens []int
	for _, h := range log.Histories() {
		if len(h) > 0 {
			lens = append(lens, len(h))
		}
	}
	if len(lens) > 0 {
		slices.Sort(lens)
		s.AttemptsPerLearner = [3]int{lens[0], lens[len(lens)/2], lens[len(lens)-1]}
	}
	s.outcomes(log)
	s.Support = supportUse(log)
	s.Known = knownShares(log)
	for g, name := range log.GroupNames {
		s.Groups = append(s.Groups, groupColumn(name, log.Groups[g]))
	}
	if val != nil {
		for _, k := range val.Kinds() {
			s.Problems = append(s.Problems, ProblemCount{k, val.Counts[k]})
		}
	}
	if imp == nil {
		s.ImportNote = "No import summary next to the data (" + datasets.ImportSummaryPath(path) + "): rows rejected on import are not known here."
	} else {
		for reason, n := range imp.Rejected {
			s.Rejected = append(s.Rejected, ProblemCount{reason, n})
		}
		sort.Slice(s.Rejected, func(i, j int) bool { return s.Rejected[i].Kind < s.Rejected[j].Kind })
	}
	return s
}

func (s *DataSummary) outcomes(log *datasets.Log) {
	var ind, sup int
	for i := range log.Independent {
		if log.Independent[i] {
			ind++
		} else if log.Supported[i] {
			sup++
		}
	}
	s.FailedAlone = log.Len() - ind
	s.IndependentRate = ratio(ind, log.Len())
	s.SupportedRate = ratio(sup, s.FailedAlone)
}

func supportUse(log *datasets.Log) []SupportUse {
	type kind struct {
		name   string
		amount func(i int) float64 // > 0 when used
		counts bool                // amount is a count worth averaging
	}
	kinds := []kind{
		{"hints", func(i int) float64 { return float64(log.HintsUsed[i]) }, true},
		{"retries after feedback", func(i int) float64 { return float64(log.Retries[i]) }, true},
		{"scaffolded", func(i int) float64 { return b2f(log.Scaffolded[i]) }, false},
		{"answer given", func(i int) float64 { return b2f(log.AnswerGiven[i]) }, false},
	}
	failed := 0
	for _, ind := range log.Independent {
		if !ind {
			failed++
		}
	}
	var out []SupportUse
	for _, k := range kinds {
		var used, usedFailed int
		var total float64
		for i := range log.Len() {
			if a := k.amount(i); a > 0 {
				used++
				total += a
				if !log.Independent[i] {
					usedFailed++
				}
			}
		}
		u := SupportUse{Kind: k.name, Share: ratio(used, log.Len()), AmongFailed: ratio(usedFailed, failed), Mean: math.NaN()}
		if k.counts && used > 0 {
			u.Mean = total / float64(used)
		}
		out = append(out, u)
	}
	return out
}

func knownShares(log *datasets.Log) []Share {
	var hints, resp, diff, ts int
	for i := range log.Len() {
		if log.HintsAvailable[i] != datasets.Unknown {
			hints++
		}
		if !math.IsNaN(log.ResponseMS[i]) {
			resp++
		}
		if !math.IsNaN(log.Difficulty[i]) {
			diff++
		}
		if log.TimeMS[i] != datasets.NoTime {
			ts++
		}
	}
	n := log.Len()
	return []Share{
		{"timestamp", ratio(ts, n)},
		{"hints available", ratio(hints, n)},
		{"response time", ratio(resp, n)},
		{"item difficulty (metadata)", ratio(diff, n)},
	}
}

func groupColumn(name string, values []string) GroupColumn {
	seen := map[string]bool{}
	missing := 0
	for _, v := range values {
		if v == "" {
			missing++
			continue
		}
		seen[v] = true
	}
	return GroupColumn{Name: name, Values: len(seen), Missing: ratio(missing, len(values))}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
