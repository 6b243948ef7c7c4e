// Package assistments imports ASSISTments logs into the canonical attempt
// schema: the 2009-2010 skill-builder export (one row per problem and skill,
// collapsed to one attempt per user_id and order_id as the evaluation
// protocol says) and the 2017 longitudinal competition data (one row per
// sampled action). docs/importers.md documents every column mapping.
package assistments
