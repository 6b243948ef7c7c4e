package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrations holds the schema's versions, NNNN_name.sql, applied in order.
// A version once released is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

type migration struct {
	version int64
	name    string
	sql     string
}

// schema returns the migrations in version order.
func schema() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("store: migration %s: want NNNN_name.sql", name)
		}
		b, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if ms[i].version != int64(i+1) {
			return nil, fmt.Errorf("store: migration %s: want version %d (versions count from 1 without gaps)", ms[i].name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest schema version this build knows.
func SchemaVersion() int64 {
	ms, err := schema()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate brings db's schema to the newest version in one transaction
// (so a failed migration leaves the previous schema), and refuses a
// database migrated by a newer build. lock, when not empty, is run first
// to keep replicas starting together from migrating at once.
func migrate(ctx context.Context, db *sql.DB, lock string) (err error) {
	ms, err := schema()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS zpd_schema (version BIGINT NOT NULL PRIMARY KEY)`); err != nil {
		return err
	}
	var cur int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM zpd_schema`).Scan(&cur); err != nil {
		return err
	}
	latest := int64(len(ms))
	if cur > latest {
		return fmt.Errorf("%w: version %d, this build knows up to %d: run a newer zpd", ErrSchemaNewer, cur, latest)
	}
	for _, m := range ms[cur:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zpd_schema (version) VALUES ($1)`, m.version); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return tx.Commit()
}
