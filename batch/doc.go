// Package batch rescores whole cohorts: it reads an attempt log (a file, a
// directory or a Hive-partitioned tree, in any row order), groups each
// learner's attempts in Seq order, scores every learner with the elasticity
// model's Scorer — the same function the HTTP server calls — and writes
// Parquet tables: one row per learner (ability, elasticity, ZAD edge, point
// of difficulty, ZPD band, counts, last activity) and, given candidate
// items, one row per learner × item (readiness and zone).
//
// Memory stays within Config.MemoryBudget whatever the cohort size: when the
// learners do not fit (or exceed 2^21 attempts, where parts are faster), the
// log is first partitioned by learner hash into temporary spill files under
// the output directory and scored one part at a time. The same hash splits a cohort into shards (Config.Shard) that can
// run on different machines; shards write disjoint files whose union equals
// a single-machine run.
//
// Every output file is written atomically and recorded, with its row count
// and SHA-256, in a per-part receipt and finally in the shard's manifest. A
// run that was interrupted redoes only the parts whose output and receipt
// are not in place. docs/score.md describes the layout and the columns.
package batch
