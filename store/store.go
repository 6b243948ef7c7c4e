package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// NoSeq asks Append to number an attempt itself: one more than the
// learner's newest seq (1 for a learner's first attempt).
const NoSeq = math.MinInt64

// Attempt is one stored attempt: the canonical log's fields (docs/data.md),
// the client's event id, and whether it answered a mastery check the server
// recommended.
type Attempt struct {
	// EventID is the client's id of the attempt, unique within the learner:
	// appending it again is a no-op.
	EventID string
	// Seq orders the learner's attempts, strictly increasing; NoSeq in an
	// Append numbers the attempt after the newest.
	Seq int64
	// Time is when the attempt started; the zero Time when unknown.
	Time        time.Time
	Item        string
	Skills      []string
	Independent bool
	Supported   bool
	HintsUsed   int32
	// HintsAvailable is -1 when unknown.
	HintsAvailable int32
	Retries        int32
	Scaffolded     bool
	AnswerGiven    bool
	// ResponseMS and Difficulty are NaN when unknown.
	ResponseMS float64
	Difficulty float64
	// Groups holds the log's group columns (school, class, ...) by name.
	Groups map[string]string
	// Check is true when the attempt was at an item the server had just
	// recommended as a mastery check: a pathway policy counts it as one.
	Check bool
}

// same reports whether b, appended again under a's event id, is the same
// attempt: the fields the model reads, and the seq when b gives one.
func (a *Attempt) same(b *Attempt) bool {
	return a.Item == b.Item && a.Independent == b.Independent && a.Supported == b.Supported &&
		slices.Equal(a.Skills, b.Skills) && (b.Seq == NoSeq || a.Seq == b.Seq)
}

// State is the server's record of a learner's pathway.
type State struct {
	// Served counts the attempts posted through the attempts route: the
	// recommendations given and answered, which keeps the mastery-check
	// cadence across calls.
	Served int64
	// Checks are the items last recommended as mastery checks and not
	// attempted since; an attempt at one of them is a check.
	Checks []string
}

// Learner is everything stored about one learner.
type Learner struct {
	ID       string
	Attempts []Attempt
	State    State
}

// Update is called by Append inside its transaction with the learner as it
// will be stored: the earlier attempts, then the added ones (the last added
// of l.Attempts). The earlier attempts carry only what scoring reads
// (EventID, Seq, Item, Skills, the outcomes and Check); Learner returns
// every field. It may set the added attempts' Check and change l.State,
// and both are stored with the attempts; an error rolls everything back.
// It may be called more than once for one Append, each time on a learner
// of its own: first on the learner as the store has it cached, outside
// the transaction, then again inside it if another Append changed the
// learner meanwhile. What the last call made is stored and returned.
type Update func(l *Learner, added int) error

// LearnerStore keeps learners' attempts and pathway state. Implementations
// are safe for concurrent use, by several processes as well.
type LearnerStore interface {
	// Append adds attempts, oldest first, to learner id's history in one
	// transaction and returns the learner as stored and how many attempts
	// were added. An attempt whose EventID is stored already is skipped when
	// it is the same attempt, and a *ConflictError otherwise, as is a seq
	// not after the learner's newest. update, when not nil, runs before the
	// commit, serialised with every other Append to the learner. Appending
	// no new attempt to an unknown learner stores nothing.
	Append(ctx context.Context, id string, attempts []Attempt, update Update) (*Learner, int, error)
	// Learner returns everything stored about learner id, ErrNotFound when
	// nothing is.
	Learner(ctx context.Context, id string) (*Learner, error)
	// Delete erases learner id's attempts and state and reports whether
	// there were any.
	Delete(ctx context.Context, id string) (bool, error)
	// Export calls fn with every learner, in byte order of their ids.
	Export(ctx context.Context, fn func(*Learner) error) error
	// Close releases the store's connections.
	Close() error
}

// ErrNotFound is a learner with nothing stored.
var ErrNotFound = errors.New("store: learner not found")

// ErrUnavailable wraps a failure of the database itself (unreachable,
// restarting, busy past its timeout): the request may be retried, and no
// answer was computed from partial state.
var ErrUnavailable = errors.New("store: unavailable")

// ErrSchemaNewer is a database whose schema was migrated by a newer zpd.
var ErrSchemaNewer = errors.New("store: database schema is newer than this zpd")

// ConflictError is an Append refused by what is stored: an attempt out of
// seq order, or an event id stored with a different attempt. Nothing of
// the Append was stored.
type ConflictError struct {
	// Index is the attempt's index in the Append.
	Index int
	// Field is "seq" or "event_id".
	Field string
	Msg   string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: attempt %d: %s: %s", e.Index, e.Field, e.Msg)
}

// Options tune a store beyond what its DSN names. The zero Options keep
// nothing in memory.
type Options struct {
	// CacheBytes bounds the memory of the learner histories kept between
	// Appends (least recently appended dropped first), so that an Append to
	// a learner in it reads the learner's row alone rather than every
	// attempt: about 100 bytes per attempt plus the ids' lengths. Each
	// Append checks the row's revision, so a change by another process is
	// never missed. 0 keeps none.
	CacheBytes int64
}

// Open opens the store a DSN names and applies its pending migrations:
// "sqlite:PATH" (a file, created when missing) or "postgres://..." /
// "postgresql://..." (a libpq URL, github.com/jackc/pgx).
func Open(ctx context.Context, dsn string, opts Options) (LearnerStore, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opts)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn, opts)
	}
	return nil, fmt.Errorf("store %q: want sqlite:PATH or postgres://USER@HOST/DB", Redact(dsn))
}

// Redact returns dsn with any password replaced, for logs and errors.
func Redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	at := strings.LastIndexByte(rest, '@')
	if slash := strings.IndexByte(rest, '/'); at < 0 || (slash >= 0 && slash < at) {
		return dsn
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return dsn
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
