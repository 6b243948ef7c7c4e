package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// OpenPostgres connects to the PostgreSQL database a libpq URL names
// (postgres://user:password@host:port/db?sslmode=...) and migrates it.
// Several servers may share it: an Append locks its learner's row, so
// appends to one learner are serialised across replicas and appends to
// different learners run in parallel. Replicas starting together migrate
// one at a time.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (LearnerStore, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres %s: %w", Redact(dsn), err)
	}
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &sqlStore{writer: db, reader: db, d: dialect{
		name: "postgres", forUpdate: " FOR UPDATE", byteOrder: ` COLLATE "C"`, rowLock: true, unavailable: pgUnavailable,
	}, cache: newHistoryCache(opts.CacheBytes)}
	// The lock's key is arbitrary, fixed for zpd's migrations.
	if err := migrate(ctx, db, `SELECT pg_advisory_xact_lock(7317001)`); err != nil {
		db.Close()
		return nil, s.wrap("open "+Redact(dsn), err)
	}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, s.wrap("open "+Redact(dsn), err)
	}
	return s, nil
}

// pgUnavailable: the server cannot be reached, is starting or shutting
// down, has no connection to spare, or cancelled the transaction to break
// a deadlock; a retry may succeed.
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		c := pe.Code
		// 08: connection exception; 57P: operator intervention (shutdown,
		// crash recovery, cannot connect now); 53: insufficient resources;
		// 40001/40P01: serialization failure, deadlock.
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P") || strings.HasPrefix(c, "53") ||
			c == "40001" || c == "40P01"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "conn closed")
}
