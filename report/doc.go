// Package report renders what a data scientist wants to see of a fitted zpd
// model and its data as one self-contained HTML file: the evaluation
// protocol's leaderboard with bootstrap intervals over learners, calibration
// and ROC curves for success alone and with support, the joint distribution
// of ability and elasticity, ZPD charts of chosen learners, the item map, the
// learning rates with intervals, a data summary and equity slices by group.
// Figures are PNGs (gonum.org/v1/plot) embedded as data URIs, so the file
// needs no network to view; WritePNGs writes the same figures as files.
//
// Build computes a Report from an Input (model artifact, optional log);
// Write builds and saves one in a single call, for zpd train and zpd report.
package report
