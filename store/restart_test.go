package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/zpd-project/zpd/store/storetest"
)

// TestPostgresConnectionsKilledMidAppend: PostgreSQL ends the store's
// connections (as a restart does) in the middle of an Append's
// transaction. The Append fails with ErrUnavailable (the server answers
// 503), stores nothing, and the next Append reconnects and succeeds.
func TestPostgresConnectionsKilledMidAppend(t *testing.T) {
	var pg *storetest.Backend
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("needs PostgreSQL: " + storetest.PostgresEnv)
	}
	app := fmt.Sprintf("zpd_restart_test_%d", os.Getpid())
	u, err := url.Parse(pg.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := open(t, u.String())
	if _, _, err := s.Append(ctx, "r", []Attempt{attempt("e1", "i", NoSeq, true, true)}, nil); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	kill := func(*Learner, int) error {
		// Only this test's connections: other packages' tests share the
		// database.
		_, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app)
		return err
	}
	_, _, err = s.Append(ctx, "r", []Attempt{attempt("e2", "i", NoSeq, false, true)}, kill)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("append whose connection died: %v, want ErrUnavailable", err)
	}
	var l *Learner
	for range 3 { // the pool may hand out another dead connection first
		if l, err = s.Learner(ctx, "r"); err == nil {
			break
		}
	}
	if err != nil || len(l.Attempts) != 1 {
		t.Fatalf("after the failed append: %v, %v", l, err)
	}
	if _, added, err := s.Append(ctx, "r", []Attempt{attempt("e2", "i", NoSeq, false, true)}, nil); err != nil || added != 1 {
		t.Fatalf("append after reconnecting: %d, %v", added, err)
	}
}
