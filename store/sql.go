package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the SQL databases behind sqlStore.
type dialect struct {
	name string
	// forUpdate locks the learner's row for the rest of the transaction
	// (PostgreSQL); SQLite's writer holds the whole database instead.
	forUpdate string
	// byteOrder makes ORDER BY learner_id compare bytes, as SQLite does.
	byteOrder string
	// rowLock: an Append inserts the learner's row before reading it, so
	// that two first Appends of a learner queue on the row lock
	// (PostgreSQL); SQLite's writer already excludes every other.
	rowLock bool
	// unavailable reports whether err is the database being out of reach
	// rather than a fault of the request or of zpd.
	unavailable func(err error) bool
}

// sqlStore is a LearnerStore over database/sql: writes go through writer,
// reads through reader (the same pool for PostgreSQL).
type sqlStore struct {
	writer, reader *sql.DB
	d              dialect
	// cache keeps recently appended learners' histories; nil when off.
	cache *historyCache
	// group, when not nil, commits concurrent Appends together (SQLite).
	group *groupCommitter
	// ckpt, when not nil, checkpoints the WAL beside the writer (SQLite).
	ckpt *checkpointer
	// Statements of Append, prepared once: parsing them per request cost
	// as much as running them.
	stmts struct {
		placeholder, learner, history, insertLearner, updateLearner, insertAttempt *sql.Stmt
	}
}

// historyColumns are the attempt columns an Append reads: what the model
// scores on and what a retry is compared by.
const historyColumns = `event_id, seq, item_id, skill_ids, correct_independent, correct_supported, is_check`

// prepare prepares Append's statements on the writer.
func (s *sqlStore) prepare(ctx context.Context) error {
	for _, st := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.stmts.placeholder, `INSERT INTO learners (learner_id, attempts, last_seq, served, checks, revision)
			VALUES ($1, 0, 0, 0, '[]', $2) ON CONFLICT (learner_id) DO NOTHING`},
		{&s.stmts.learner, `SELECT attempts, last_seq, served, checks, revision FROM learners WHERE learner_id = $1` + s.d.forUpdate},
		{&s.stmts.history, `SELECT ` + historyColumns + ` FROM attempts WHERE learner_id = $1 ORDER BY position`},
		{&s.stmts.insertLearner, `INSERT INTO learners (learner_id, attempts, last_seq, served, checks, revision) VALUES ($1, $2, $3, $4, $5, $6)`},
		{&s.stmts.updateLearner, `UPDATE learners SET attempts = $2, last_seq = $3, served = $4, checks = $5, revision = $6 WHERE learner_id = $1`},
		{&s.stmts.insertAttempt, insertAttempt},
	} {
		var err error
		if *st.dst, err = s.writer.PrepareContext(ctx, st.sql); err != nil {
			return err
		}
	}
	return nil
}

// wrap marks database failures as ErrUnavailable and adds context.
func (s *sqlStore) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var ce *ConflictError
	if errors.As(err, &ce) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
		return err
	}
	if s.d.unavailable(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, s.d.name, what, err)
	}
	return fmt.Errorf("store: %s %s: %w", s.d.name, what, err)
}

const attemptColumns = `event_id, seq, time_ms, item_id, skill_ids, correct_independent, correct_supported,
	hints_used, hints_available, retries, scaffolded, answer_given, response_ms, item_difficulty, groups, is_check`

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// attemptRow holds one row of attemptColumns while it is scanned into a.
type attemptRow struct {
	a              *Attempt
	timeMS         sql.NullInt64
	respMS, diff   sql.NullFloat64
	skills, groups string
}

// dest returns the Scan destinations of attemptColumns.
func (r *attemptRow) dest() []any {
	a := r.a
	return []any{&a.EventID, &a.Seq, &r.timeMS, &a.Item, &r.skills, &a.Independent, &a.Supported,
		&a.HintsUsed, &a.HintsAvailable, &a.Retries, &a.Scaffolded, &a.AnswerGiven, &r.respMS, &r.diff, &r.groups, &a.Check}
}

// finish decodes the scanned columns that need it into r.a.
func (r *attemptRow) finish() error {
	a := r.a
	a.Time = time.Time{}
	if r.timeMS.Valid {
		a.Time = time.UnixMilli(r.timeMS.Int64).UTC()
	}
	a.ResponseMS, a.Difficulty = math.NaN(), math.NaN()
	if r.respMS.Valid {
		a.ResponseMS = r.respMS.Float64
	}
	if r.diff.Valid {
		a.Difficulty = r.diff.Float64
	}
	a.Skills, a.Groups = nil, nil
	if r.skills != "[]" {
		if err := json.Unmarshal([]byte(r.skills), &a.Skills); err != nil {
			return fmt.Errorf("attempt %s: skill_ids %q: %w", a.EventID, r.skills, err)
		}
	}
	if r.groups != "{}" {
		if err := json.Unmarshal([]byte(r.groups), &a.Groups); err != nil {
			return fmt.Errorf("attempt %s: groups %q: %w", a.EventID, r.groups, err)
		}
	}
	return nil
}

// attemptArgs are a's values for an INSERT of learner_id, position and
// attemptColumns.
func attemptArgs(id string, position int64, a *Attempt) ([]any, error) {
	var timeMS, respMS, diff any
	if !a.Time.IsZero() {
		timeMS = a.Time.UnixMilli()
	}
	if !math.IsNaN(a.ResponseMS) {
		respMS = a.ResponseMS
	}
	if !math.IsNaN(a.Difficulty) {
		diff = a.Difficulty
	}
	skills, groups := "[]", "{}"
	if len(a.Skills) > 0 {
		b, err := json.Marshal(a.Skills)
		if err != nil {
			return nil, err
		}
		skills = string(b)
	}
	if len(a.Groups) > 0 {
		b, err := json.Marshal(a.Groups)
		if err != nil {
			return nil, err
		}
		groups = string(b)
	}
	return []any{id, position, a.EventID, a.Seq, timeMS, a.Item, skills, a.Independent, a.Supported,
		a.HintsUsed, a.HintsAvailable, a.Retries, a.Scaffolded, a.AnswerGiven, respMS, diff, groups, a.Check}, nil
}

const insertAttempt = `INSERT INTO attempts (learner_id, position, ` + attemptColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

// loadLearner reads learner id's state and attempts; found is false when
// no row exists.
func loadLearner(ctx context.Context, q queryer, id, lock string) (l *Learner, lastSeq int64, found bool, err error) {
	l = &Learner{ID: id}
	var n int64
	var checks string
	err = q.QueryRowContext(ctx, `SELECT attempts, last_seq, served, checks FROM learners WHERE learner_id = $1`+lock, id).
		Scan(&n, &lastSeq, &l.State.Served, &checks)
	if errors.Is(err, sql.ErrNoRows) {
		return l, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	if err := json.Unmarshal([]byte(checks), &l.State.Checks); err != nil {
		return nil, 0, false, fmt.Errorf("learner %q: checks %q: %w", id, checks, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE learner_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	l.Attempts = make([]Attempt, 0, n+1)
	for rows.Next() {
		l.Attempts = append(l.Attempts, Attempt{})
		r := attemptRow{a: &l.Attempts[len(l.Attempts)-1]}
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, 0, false, err
		}
		if err := r.finish(); err != nil {
			return nil, 0, false, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	if int64(len(l.Attempts)) != n {
		return nil, 0, false, fmt.Errorf("learner %q: %d attempts stored, its row says %d", id, len(l.Attempts), n)
	}
	return l, lastSeq, true, nil
}

// learnerRow is a learner's row as an Append reads it.
type learnerRow struct {
	attempts, lastSeq, served, revision int64
	checks                              string
}

// readRow reads, inside an Append's transaction, learner id's row,
// locking it where the database has row locks.
func (s *sqlStore) readRow(ctx context.Context, stmt func(*sql.Stmt) *sql.Stmt, id string) (row learnerRow, found bool, err error) {
	err = stmt(s.stmts.learner).QueryRowContext(ctx, id).Scan(&row.attempts, &row.lastSeq, &row.served, &row.checks, &row.revision)
	if errors.Is(err, sql.ErrNoRows) {
		return row, false, nil
	}
	return row, err == nil, err
}

// loadHistory returns learner id, whose row is row, from the cache when it
// holds the learner at the row's revision, or else reads the history
// columns of its attempts; the other attempt fields are left zero, unknown
// ones NaN or -1. extra is the room to leave for appended attempts.
func (s *sqlStore) loadHistory(ctx context.Context, stmt func(*sql.Stmt) *sql.Stmt, id string, row learnerRow, found bool, extra int) (l *Learner, err error) {
	if !found {
		return &Learner{ID: id}, nil
	}
	if cl := s.cache.get(id, row.revision); cl != nil {
		return cl.learner(extra), nil
	}
	l = &Learner{ID: id, State: State{Served: row.served}}
	if err := json.Unmarshal([]byte(row.checks), &l.State.Checks); err != nil {
		return nil, fmt.Errorf("learner %q: checks %q: %w", id, row.checks, err)
	}
	rows, err := stmt(s.stmts.history).QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	l.Attempts = make([]Attempt, 0, row.attempts+int64(extra))
	var skills string
	for rows.Next() {
		l.Attempts = append(l.Attempts, Attempt{HintsAvailable: -1, ResponseMS: nan, Difficulty: nan})
		a := &l.Attempts[len(l.Attempts)-1]
		if err := rows.Scan(&a.EventID, &a.Seq, &a.Item, &skills, &a.Independent, &a.Supported, &a.Check); err != nil {
			return nil, err
		}
		if skills != "[]" {
			if err := json.Unmarshal([]byte(skills), &a.Skills); err != nil {
				return nil, fmt.Errorf("attempt %s: skill_ids %q: %w", a.EventID, skills, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(l.Attempts)) != row.attempts {
		return nil, fmt.Errorf("learner %q: %d attempts stored, its row says %d", id, len(l.Attempts), row.attempts)
	}
	return l, nil
}

// newRevision is the revision of a learner's new row: random, so that a
// cache entry of a deleted learner never matches the row of one stored
// afresh under the same id (a chance of 2⁻⁶² per learner stored again).
func newRevision() int64 { return rand.Int64N(1 << 62) }

func (s *sqlStore) Append(ctx context.Context, id string, attempts []Attempt, update Update) (*Learner, int, error) {
	// With the learner cached, the Append is worked out (update run) here,
	// outside the transaction, in parallel with other Appends; the
	// transaction then only checks that the row still has the cached
	// revision, and writes.
	var pre *prepared
	if cl := s.cache.peek(id); cl != nil {
		if a, err := apply(cl.learner(len(attempts)), cl.lastSeq, attempts, update); err == nil {
			pre = &prepared{revision: cl.revision, applied: a}
		}
	}
	var l *Learner
	var added int
	var err error
	if s.group != nil {
		l, added, err = s.group.append(ctx, id, attempts, update, pre)
	} else {
		l, added, err = s.append(ctx, id, attempts, update, pre)
	}
	return l, added, s.wrap("append to learner "+strconv.Quote(id), err)
}

// append runs one Append in a transaction of its own.
func (s *sqlStore) append(ctx context.Context, id string, attempts []Attempt, update Update, pre *prepared) (*Learner, int, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	r, err := s.appendTx(ctx, tx, id, attempts, update, pre)
	if err != nil || !r.wrote {
		tx.Rollback()
		if err != nil {
			return nil, 0, err
		}
	} else if err := tx.Commit(); err != nil {
		return nil, 0, err
	}
	r.cachePut(s.cache)
	return r.l, r.added, nil
}

// appended is what one Append did inside a transaction, to be answered
// (and cached) once that commits.
type appended struct {
	l                 *Learner
	added             int
	revision, lastSeq int64
	// cache: l may be cached at revision once committed.
	cache bool
	// wrote: the Append changed the database, which an error then leaves
	// half written in the transaction.
	wrote bool
}

// cachePut caches the learner, if r says so, once its transaction has
// committed.
func (r *appended) cachePut(c *historyCache) {
	if r.cache {
		c.put(r.l, r.revision, r.lastSeq)
	}
}

// prepared is an Append worked out on the learner as cached at revision.
type prepared struct {
	revision int64
	applied
}

// applied is an Append worked out on a learner: the attempts checked
// against its history and added, update run.
type applied struct {
	l             *Learner
	added, stored int
	lastSeq       int64
	// write: there is something to store.
	write bool
}

// apply checks attempts against l's history (whose newest seq is lastSeq),
// adds the new ones to l and runs update.
func apply(l *Learner, lastSeq int64, attempts []Attempt, update Update) (applied, error) {
	stored := len(l.Attempts)
	events := make(map[string]int, stored+len(attempts))
	for i := range l.Attempts {
		events[l.Attempts[i].EventID] = i
	}
	for i := range attempts {
		a := attempts[i]
		if a.EventID == "" {
			return applied{}, &ConflictError{Index: i, Field: "event_id", Msg: "missing"}
		}
		if j, dup := events[a.EventID]; dup {
			if !l.Attempts[j].same(&a) {
				return applied{}, &ConflictError{Index: i, Field: "event_id",
					Msg: fmt.Sprintf("event_id %q is stored with a different attempt (item %q, seq %d)", a.EventID, l.Attempts[j].Item, l.Attempts[j].Seq)}
			}
			continue
		}
		have := len(l.Attempts) > 0
		if a.Seq == NoSeq {
			a.Seq = 1
			if have {
				a.Seq = lastSeq + 1
			}
		} else if have && a.Seq <= lastSeq {
			return applied{}, &ConflictError{Index: i, Field: "seq",
				Msg: fmt.Sprintf("seq %d is not after the learner's newest stored seq %d", a.Seq, lastSeq)}
		}
		lastSeq = a.Seq
		events[a.EventID] = len(l.Attempts)
		l.Attempts = append(l.Attempts, a)
	}
	added := len(l.Attempts) - stored
	before := l.State
	before.Checks = append([]string(nil), l.State.Checks...)
	if update != nil {
		if err := update(l, added); err != nil {
			return applied{}, err
		}
	}
	// Nothing to store: a retry, or a score of a learner with nothing
	// stored.
	write := !(added == 0 && (stored == 0 || sameState(before, l.State)))
	return applied{l: l, added: added, stored: stored, lastSeq: lastSeq, write: write}, nil
}

// appendTx is an Append's work inside transaction tx: check the attempts
// against what is stored, run update, and write the learner's row and new
// attempts; pre, when not nil, is the Append already worked out on the
// cached learner, used when the row still has its revision. Every check
// comes before the first write, so an error with r.wrote false has left tx
// as it found it.
func (s *sqlStore) appendTx(ctx context.Context, tx *sql.Tx, id string, attempts []Attempt, update Update, pre *prepared) (r appended, err error) {
	stmt := func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) }
	if len(attempts) > 0 && s.d.rowLock {
		// A row to lock: two first Appends of a learner then queue on it
		// rather than both inserting it. Unless attempts are added it is
		// rolled back with the transaction.
		r.wrote = true
		if _, err := stmt(s.stmts.placeholder).ExecContext(ctx, id, newRevision()); err != nil {
			return r, err
		}
	}
	row, found, err := s.readRow(ctx, stmt, id)
	if err != nil {
		return r, err
	}
	var a applied
	if pre != nil && found && row.revision == pre.revision {
		a = pre.applied
	} else {
		// Not cached, or changed since by another Append: worked out here,
		// update run (again) on the learner as stored.
		l, err := s.loadHistory(ctx, stmt, id, row, found, len(attempts))
		if err != nil {
			return r, err
		}
		if a, err = apply(l, row.lastSeq, attempts, update); err != nil {
			return r, err
		}
	}
	l := a.l
	r.l, r.added, r.lastSeq = l, a.added, a.lastSeq
	if !a.write {
		r.cache, r.revision = found && a.stored > 0, row.revision
		return r, nil
	}
	if l.State.Checks == nil {
		l.State.Checks = []string{}
	}
	checks, err := json.Marshal(l.State.Checks)
	if err != nil {
		return r, err
	}
	// found: the row exists, committed or as this transaction's
	// placeholder.
	up, revision := s.stmts.updateLearner, row.revision+1
	if !found {
		up, revision = s.stmts.insertLearner, newRevision()
	}
	r.wrote = true
	if _, err = stmt(up).ExecContext(ctx, id, len(l.Attempts), a.lastSeq, l.State.Served, string(checks), revision); err != nil {
		return r, err
	}
	if a.added > 0 {
		ins := stmt(s.stmts.insertAttempt)
		for i := a.stored; i < len(l.Attempts); i++ {
			args, err := attemptArgs(id, int64(i), &l.Attempts[i])
			if err != nil {
				return r, err
			}
			if _, err := ins.ExecContext(ctx, args...); err != nil {
				return r, err
			}
		}
	}
	r.cache, r.revision = true, revision
	return r, nil
}

func sameState(a, b State) bool {
	if a.Served != b.Served || len(a.Checks) != len(b.Checks) {
		return false
	}
	for i := range a.Checks {
		if a.Checks[i] != b.Checks[i] {
			return false
		}
	}
	return true
}

func (s *sqlStore) Learner(ctx context.Context, id string) (*Learner, error) {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: s.readIsolation()})
	if err != nil {
		return nil, s.wrap("read learner "+strconv.Quote(id), err)
	}
	defer tx.Rollback()
	l, _, found, err := loadLearner(ctx, tx, id, "")
	if err != nil {
		return nil, s.wrap("read learner "+strconv.Quote(id), err)
	}
	if !found {
		return nil, ErrNotFound
	}
	return l, nil
}

// readIsolation gives a read one snapshot of the learner's row and
// attempts.
func (s *sqlStore) readIsolation() sql.IsolationLevel {
	if s.d.name == "postgres" {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault // SQLite: a read transaction is a snapshot
}

func (s *sqlStore) Delete(ctx context.Context, id string) (bool, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return false, s.wrap("delete learner "+strconv.Quote(id), err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM learners WHERE learner_id = $1`, id)
	if err != nil {
		return false, s.wrap("delete learner "+strconv.Quote(id), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.wrap("delete learner "+strconv.Quote(id), err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE learner_id = $1`, id); err != nil {
		return false, s.wrap("delete learner "+strconv.Quote(id), err)
	}
	err = tx.Commit()
	s.cache.remove(id)
	return n > 0, s.wrap("delete learner "+strconv.Quote(id), err)
}

func (s *sqlStore) Export(ctx context.Context, fn func(*Learner) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: s.readIsolation()})
	if err != nil {
		return s.wrap("export", err)
	}
	defer tx.Rollback()
	// One query (a connection streams one result at a time), the learner's
	// row repeated beside each of its attempts.
	cols := ""
	for c := range strings.SplitSeq(attemptColumns, ",") {
		cols += ", a." + strings.TrimSpace(c)
	}
	rows, err := tx.QueryContext(ctx, `SELECT l.learner_id, l.attempts, l.served, l.checks`+cols+`
		FROM learners l JOIN attempts a ON a.learner_id = l.learner_id
		ORDER BY l.learner_id`+s.d.byteOrder+`, a.position`)
	if err != nil {
		return s.wrap("export", err)
	}
	defer rows.Close()
	var l *Learner
	var id, checks string
	var n int64
	var served int64
	var a Attempt
	r := attemptRow{a: &a}
	dest := append([]any{&id, &n, &served, &checks}, r.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return s.wrap("export", err)
		}
		if err := r.finish(); err != nil {
			return s.wrap("export", err)
		}
		if l == nil || id != l.ID {
			if l != nil {
				if err := fn(l); err != nil {
					return err
				}
			}
			l = &Learner{ID: id, Attempts: make([]Attempt, 0, n), State: State{Served: served}}
			if err := json.Unmarshal([]byte(checks), &l.State.Checks); err != nil {
				return fmt.Errorf("store: export: learner %q: checks %q: %w", id, checks, err)
			}
		}
		l.Attempts = append(l.Attempts, a)
	}
	if err := rows.Err(); err != nil {
		return s.wrap("export", err)
	}
	if l != nil {
		return fn(l)
	}
	return nil
}

func (s *sqlStore) Close() error {
	s.group.stop()
	var err error
	if s.ckpt != nil {
		err = s.ckpt.stop()
	}
	err = errors.Join(err, s.writer.Close())
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}
