// Package store keeps learners' attempts and pathway state for the
// stateful serving routes (POST /v1/learners/{id}/attempts and beside it):
// one LearnerStore interface, an embedded SQLite database (the default, pure
// Go, one file in WAL mode) and PostgreSQL for several replicas, sharing one
// SQL schema and its versioned migrations (migrations/*.sql), applied when
// a store opens. A store whose schema is newer than this build is refused.
//
// The attempts are the source of truth: the store keeps no scores, so a
// server scoring from it never mixes two model versions.
package store
