package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PostgresEnv names the PostgreSQL database the tests also run against:
// a libpq URL of a database the user may create schemas in. .ci/run
// starts one and sets it; locally, for example (as root, Debian):
//
//	apt-get install -y postgresql && pg_ctlcluster "$(ls /usr/lib/postgresql)" main start
//	su postgres -c "psql -c \"CREATE ROLE zpd LOGIN PASSWORD 'zpd'\" -c 'CREATE DATABASE zpd_test OWNER zpd'"
//	ZPD_TEST_POSTGRES=postgres://zpd:zpd@127.0.0.1:5432/zpd_test go test ./store ./serve
const PostgresEnv = "ZPD_TEST_POSTGRES"

// backend is a store under test: its name and a DSN to open it by.
type backend struct {
	name string
	dsn  func(t *testing.T) string
}

// backends returns SQLite and, when PostgresEnv is set, PostgreSQL. In CI
// (CI=true) PostgreSQL must be there: the store's tests fail rather than
// skip it.
func backends(t *testing.T) []backend {
	bs := []backend{{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "zpd.db") }}}
	if base := os.Getenv(PostgresEnv); base != "" {
		bs = append(bs, backend{"postgres", func(t *testing.T) string { return postgresSchema(t, base) }})
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI runs the store tests against PostgreSQL too (.ci/run starts it)", PostgresEnv)
	} else {
		t.Logf("PostgreSQL not tested: set %s (see store/helpers_test.go)", PostgresEnv)
	}
	return bs
}

// postgresSchema creates a schema of its own for the test in the database
// base names and returns a DSN using it; the schema is dropped at the end.
func postgresSchema(t *testing.T, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("zpd_test_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func forEachBackend(t *testing.T, test func(t *testing.T, dsn string)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { test(t, b.dsn(t)) })
	}
}

func open(t *testing.T, dsn string) LearnerStore {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// attempt returns a minimal attempt at item with event id ev.
func attempt(ev, item string, seq int64, independent, supported bool) Attempt {
	return Attempt{EventID: ev, Seq: seq, Item: item, Independent: independent, Supported: supported,
		HintsAvailable: -1, ResponseMS: math.NaN(), Difficulty: math.NaN()}
}
