// Package protocol holds the pieces of zpd's evaluation protocol
// (docs/evaluation.md) that model families need while fitting, so that a
// family never depends on the evaluator: the learner folds, the blind view
// of an attempt a model may see before predicting it, the online replay of
// a learner, and hyperparameter selection on training learners alone
// (SelectParam, ChooseParam). Package evaluate runs the protocol with them.
package protocol
