// Package features is the one road from attempts to model inputs. It owns
// everything a model reads about a learner's past:
//
//   - a learner's History: their attempts in seq order as compact steps
//     whose item and skill ids are resolved against a model's Index;
//   - skill resolution: an attempt exercises the skills it lists, or, when
//     it lists none, the skills of its item (Index.AttemptSkills) — the fit,
//     the scorer, the report and the pathway policies all read skills
//     through that one rule;
//   - practice: counts of earlier attempts by outcome and recency-weighted
//     counts (Tally), per skill (Practice) or per id (Counts), transformed
//     as a model asks (Scale);
//   - candidate placement: how an item a platform offers is put on the
//     model's scale (Place).
//
// Data flows datasets → features → models: this package imports datasets
// and no model. A model turns the features into a score; the elasticity
// model's Scorer, the baselines that count practice (bestlr, pfa), the
// report and the pathway policies all read practice from here, and a
// guard test keeps practice counting out of every other package.
// Table computes the per-attempt feature table of `zpd features`;
// WriteParquet writes it from a Log in memory, WriteLogParquet from a log
// on disk with bounded memory (partitioned by learner through spill files).
package features
