package protocol

import "hash/fnv"

// Fold layout of the protocol: learners fall into NumFolds folds; TestFold
// holds the test learners, the rest are training learners, and families
// tune hyperparameters by holding out ValidationFold from the training
// learners.
const (
	NumFolds       = 5
	TestFold       = 0
	ValidationFold = 4
)

// LearnerFold returns the fold of a learner: the FNV-1a 32-bit hash of the
// learner id string (its decimal form for numeric ids), mod NumFolds.
func LearnerFold(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id)) // never fails
	return int(h.Sum32() % NumFolds)
}
