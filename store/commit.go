package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// maxGroup bounds the Appends committed together: enough to share a commit
// among every request a loaded server has in flight, few enough that the
// write lock is not held long.
const maxGroup = 64

// errClosed is an Append after Close.
var errClosed = errors.New("store: closed")

// groupCommitter runs the Appends of an SQLite store on one goroutine,
// which owns the writer connection's transactions: the Appends queued
// while a transaction commits run together in the next one, so that one
// commit (one write of the WAL) serves them all. SQLite writes one
// transaction at a time anyway; this makes each cost a share of a commit
// rather than a whole one. Every Append is answered only after the
// transaction holding it has committed, so an acknowledged attempt is as
// durable as with a commit of its own.
type groupCommitter struct {
	s     *sqlStore
	calls chan *appendCall
	quit  chan struct{}
	done  sync.WaitGroup
	once  sync.Once
}

// appendCall is one Append waiting for its group's commit.
type appendCall struct {
	ctx      context.Context
	id       string
	attempts []Attempt
	update   Update
	pre      *prepared
	r        appended
	err      error
	done     chan struct{}
}

func newGroupCommitter(s *sqlStore) *groupCommitter {
	g := &groupCommitter{s: s, calls: make(chan *appendCall), quit: make(chan struct{})}
	g.done.Go(g.run)
	return g
}

// append queues an Append and waits for its group to commit.
func (g *groupCommitter) append(ctx context.Context, id string, attempts []Attempt, update Update, pre *prepared) (*Learner, int, error) {
	c := &appendCall{ctx: ctx, id: id, attempts: attempts, update: update, pre: pre, done: make(chan struct{})}
	select {
	case g.calls <- c:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	case <-g.quit:
		return nil, 0, errClosed
	}
	// Once taken, the call is answered whatever the context: its attempts
	// may be committed with the group.
	<-c.done
	if c.err != nil {
		return nil, 0, c.err
	}
	return c.r.l, c.r.added, nil
}

// stop ends the committer once the group in progress is answered.
func (g *groupCommitter) stop() {
	if g == nil {
		return
	}
	g.once.Do(func() { close(g.quit) })
	g.done.Wait()
}

func (g *groupCommitter) run() {
	group := make([]*appendCall, 0, maxGroup)
	for {
		select {
		case c := <-g.calls:
			group = append(group[:0], c)
		case <-g.quit:
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case c := <-g.calls:
				group = append(group, c)
			default:
				break more
			}
		}
		g.commit(group)
		clear(group)
	}
}

// commit runs group's Appends in one transaction and answers them. An
// Append refused (a conflict, its update's error) has written nothing and
// is answered with its error while the others commit. A failed write or
// commit fails every Append of the group: the transaction is rolled back,
// and none of them stored anything.
func (g *groupCommitter) commit(group []*appendCall) {
	defer func() {
		for _, c := range group {
			close(c.done)
		}
	}()
	// Statements run to the end whatever a caller's context: cancelling
	// one midway would fail the whole group.
	tx, err := g.s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		for _, c := range group {
			c.err = err
		}
		return
	}
	writes := 0
	for i, c := range group {
		if err := c.ctx.Err(); err != nil {
			c.err = err // gone before its turn: nothing done
			continue
		}
		c.r, c.err = g.s.appendTx(context.WithoutCancel(c.ctx), tx, c.id, c.attempts, c.update, c.pre)
		if c.r.wrote {
			writes++
		}
		if c.err != nil && c.r.wrote {
			tx.Rollback()
			failed := c.err
			if !g.s.d.unavailable(failed) {
				failed = fmt.Errorf("%w: another append committed with it failed: %w", ErrUnavailable, failed)
			}
			g.fail(group[:i], failed)
			g.fail(group[i+1:], failed)
			return
		}
	}
	if writes == 0 {
		tx.Rollback()
	} else if err := tx.Commit(); err != nil {
		g.fail(group, err)
		return
	}
	for _, c := range group {
		if c.err == nil {
			c.r.cachePut(g.s.cache)
		}
	}
}

// fail gives err to the Appends of group that have none: their
// transaction was rolled back.
func (g *groupCommitter) fail(group []*appendCall, err error) {
	for _, c := range group {
		if c.err == nil {
			c.err = err
		}
	}
}
