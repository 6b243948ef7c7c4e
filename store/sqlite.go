package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating it when missing) the SQLite database in the
// file at path, in WAL mode, and migrates it. Writes go through one
// connection, each transaction taking the write lock first (BEGIN
// IMMEDIATE), so concurrent Appends queue rather than fail; reads run
// beside them on snapshots. Other processes may open the file too (zpd
// learners import while a server runs): they wait up to 10 s for the lock,
// then get ErrUnavailable.
//
// Commits are not fsynced (synchronous=NORMAL): a commit survives the
// process being killed, not a power cut or kernel crash, which may lose
// the last transactions (never corrupt the file). Use PostgreSQL where an
// acknowledged attempt must survive the machine.
func OpenSQLite(ctx context.Context, path string, opts Options) (LearnerStore, error) {
	if path == "" {
		return nil, errors.New("store: sqlite: no file (want sqlite:PATH)")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: sqlite: file %q: ? and # are not allowed in the path", path)
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	writer, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)"+
		fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages)+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	s := &sqlStore{writer: writer, d: dialect{name: "sqlite", unavailable: sqliteUnavailable}, cache: newHistoryCache(opts.CacheBytes)}
	if err := migrate(ctx, writer, ""); err != nil {
		writer.Close()
		return nil, s.wrap("open "+path, err)
	}
	if err := s.prepare(ctx); err != nil {
		writer.Close()
		return nil, s.wrap("open "+path, err)
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s.reader = reader
	ckpt, err := sql.Open("sqlite", "file:"+path+"?"+common)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	s.ckpt = newCheckpointer(ckpt, checkpointEvery)
	s.group = newGroupCommitter(s)
	return s, nil
}

// sqliteUnavailable: the database is locked by another process past the
// busy timeout, or the disk is full or failing.
func sqliteUnavailable(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}
