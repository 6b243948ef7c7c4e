// Package pathway chooses what a learner does next. A Policy sees only
// what a learning platform sees — the learner's observed attempts and the
// fitted elasticity model (a Scorer scored on those attempts, its
// Posterior, and readiness for the candidate items) — and returns the next
// items, each with a reason. The policy simulator (pathway/policysim),
// the HTTP server (/v1/score: zpd-pod unless options.policy names another)
// and batch scoring (zpd score --recommend) all call the same Policy code.
//
// Policies: mastery-first (stay on a skill until k consecutive
// independent successes), zad-next (just beyond the ZAD edge), zpd-pod
// (stretch at the point of difficulty with Thompson sampling from the
// posterior, mastery checks on a cadence or when uncertainty grows, a
// step back after a failed check), random, and zpdes (a multi-armed
// bandit on learning progress, Clément et al. 2015). docs/pathways.md
// states each rule.
package pathway
