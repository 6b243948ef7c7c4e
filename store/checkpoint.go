package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often an SQLite store copies its write-ahead log
// back into the database file.
const checkpointEvery = 100 * time.Millisecond

// writerCheckpointPages is the WAL size, in pages, past which the writer
// checkpoints itself: a backstop, reached only if the checkpointer falls
// behind (about 40 MB; SQLite's default is 1,000 pages).
const writerCheckpointPages = 10000

// checkpointer copies an SQLite store's WAL back into the database file
// from a connection of its own (PRAGMA wal_checkpoint(PASSIVE)), so the
// writer does not. Left to itself, SQLite checkpoints on the committing
// connection whenever the WAL passes 1,000 pages: at 2,000 posted
// attempts a second (3–4 changed pages each) that was several checkpoints
// a second, each copying and fsyncing a thousand pages while every Append
// queued behind it waited (BENCHMARKS.md, learner store). A passive
// checkpoint runs beside the writer and never blocks it.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done sync.WaitGroup
	once sync.Once
	err  error // of closing db
}

// newCheckpointer starts checkpointing the database db opens, every
// interval.
func newCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, quit: make(chan struct{})}
	c.done.Go(func() { c.run(every) })
	return c
}

func (c *checkpointer) run(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			// Errors are not fatal here: SQLITE_BUSY means another
			// process's checkpoint is running, and a failing disk fails
			// the writer's next commit, which reports it. The writer's own
			// checkpoint at writerCheckpointPages stays as a backstop.
			c.checkpoint()
		case <-c.quit:
			return
		}
	}
}

// checkpoint runs one passive checkpoint. A passive checkpoint on a WAL
// already copied back reads the WAL index and returns.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var busy, frames, copied int64
	_ = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
}

// stop ends the checkpoints and closes the connection; again, it returns
// the first call's error.
func (c *checkpointer) stop() error {
	c.once.Do(func() {
		close(c.quit)
		c.done.Wait()
		c.err = c.db.Close()
	})
	return c.err
}
