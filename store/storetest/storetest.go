// Package storetest gives tests the learner stores to run against:
// SQLite always, and PostgreSQL when PostgresEnv names a database (in CI,
// where .ci/run starts one, it must).
package storetest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the PostgreSQL database the tests also run against:
// a libpq URL of a database the user may create schemas in. .ci/run
// starts one and sets it; locally, for example (as root, Debian):
//
//	apt-get install -y postgresql && pg_ctlcluster "$(ls /usr/lib/postgresql)" main start
//	su postgres -c "psql -c \"CREATE ROLE zpd LOGIN PASSWORD 'zpd'\" -c 'CREATE DATABASE zpd_test OWNER zpd'"
//	ZPD_TEST_POSTGRES=postgres://zpd:zpd@127.0.0.1:5432/zpd_test go test ./store/... ./serve ./cmd/zpd
const PostgresEnv = "ZPD_TEST_POSTGRES"

// Backend is a store to test against: its name and a function giving a
// DSN of a fresh, empty store for one test.
type Backend struct {
	Name string
	DSN  func(t testing.TB) string
}

// Backends returns SQLite and, when PostgresEnv is set, PostgreSQL. In CI
// (CI=true) PostgreSQL must be there: the tests fail rather than skip it.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "zpd.db") }}}
	if base := os.Getenv(PostgresEnv); base != "" {
		bs = append(bs, Backend{"postgres", func(t testing.TB) string { return PostgresSchema(t, base) }})
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI runs the store tests against PostgreSQL too (.ci/run starts it)", PostgresEnv)
	} else {
		t.Logf("PostgreSQL not tested: set %s (see store/storetest)", PostgresEnv)
	}
	return bs
}

// Each runs test once per backend, as a subtest named after it.
func Each(t *testing.T, test func(t *testing.T, dsn string)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { test(t, b.DSN(t)) })
	}
}

var schemas atomic.Int64

// PostgresSchema creates a schema of the test's own in the database base
// names and returns a DSN using it; the schema is dropped at the end.
func PostgresSchema(t testing.TB, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("zpd_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), schemas.Add(1))
	if _, err := db.Exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
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
