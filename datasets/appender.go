package datasets

import (
	"slices"
	"unsafe"
)

// appender adds Attempts to a Log like Log.Append, but with caches that
// skip most string hashing on the Writer's hot path: a learner's attempts
// come in runs, and an item's attempts list the same skills. Comparing
// with the cached strings is cheap (equal strings sharing memory compare
// by pointer) and stays correct when a caller reuses its Skills buffer.
// The caches are per batch: reset them whenever the Log's dictionaries
// are reset.
type appender struct {
	learner    string
	learnerIdx int32
	// items caches item indexes by the address of the id's bytes: callers
	// that keep their ids (a simulator's item table) pass the same string
	// for every attempt at an item, and two strings with the same address
	// and length are equal (Go strings are immutable; Dict relies on that
	// too). Direct-mapped; a miss falls back to hashing.
	items [itemCacheSize]itemCacheEntry
	// skillsOf[item] holds the skills of the item's last attempt and their
	// interned indexes.
	skillsOf []skillCache
}

const itemCacheSize = 1 << 12

type itemCacheEntry struct {
	data *byte
	n    int
	idx  int32
}

type skillCache struct {
	names []string
	idx   []int32
}

func (p *appender) reset() {
	p.learner, p.learnerIdx = "", -1
	p.skillsOf = p.skillsOf[:0]
	p.items = [itemCacheSize]itemCacheEntry{}
}

// item returns the index of id in d, interning it if new.
func (p *appender) item(d *Dict, id string) int32 {
	data := unsafe.StringData(id)
	if data == nil {
		return d.Intern(id)
	}
	e := &p.items[(uintptr(unsafe.Pointer(data))>>3)%itemCacheSize]
	if e.data == data && e.n == len(id) {
		return e.idx
	}
	i := d.Intern(id)
	*e = itemCacheEntry{data: data, n: len(id), idx: i}
	return i
}

// append adds a to l.
func (p *appender) append(l *Log, a *Attempt) {
	if p.learnerIdx < 0 || a.Learner != p.learner || l.Learners.Len() == 0 {
		p.learner, p.learnerIdx = a.Learner, l.Learners.Intern(a.Learner)
	}
	item := p.item(&l.Items, a.Item)
	l.Learner = append(l.Learner, p.learnerIdx)
	l.Item = append(l.Item, item)
	p.appendSkills(l, item, a.Skills)
	l.appendFields(a)
}

// appendSkills appends the interned skills of an attempt at item.
func (p *appender) appendSkills(l *Log, item int32, skills []string) {
	if len(skills) == 0 {
		l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
		return
	}
	for int(item) >= len(p.skillsOf) {
		p.skillsOf = append(p.skillsOf, skillCache{})
	}
	c := &p.skillsOf[item]
	if !slices.Equal(c.names, skills) {
		c.names, c.idx = append(c.names[:0], skills...), c.idx[:0]
		for _, s := range skills {
			c.idx = append(c.idx, l.SkillIDs.Intern(s))
		}
	}
	l.Skills = append(l.Skills, c.idx...)
	l.SkillStart = append(l.SkillStart, int32(len(l.Skills)))
}
