// Package evaluate implements zpd's evaluation protocol
// (docs/evaluation.md): learners are split into folds by a hash of their
// id, every family is fitted on the training learners alone, and each test
// learner's attempts are predicted one at a time from that learner's earlier
// attempts only. The package scores the predictions (AUC, log-loss and
// calibration of success alone; AUC of success with support among attempts
// failed alone) and reports them as a Leaderboard.
package evaluate
