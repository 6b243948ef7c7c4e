package datasets

import (
	"fmt"

	"github.com/zpd-project/zpd/datasets/internal/parquetread"
)

// String id, skill and group columns are read page by page
// (parquetread.PageReader): each dictionary entry is translated (interned)
// once and each row then costs one dictionary index. The functions here
// put the decoded pages into a Log.

// stringPages returns how to read field j of s page by page, and false
// when it needs the pqarrow path.
func (s *source) stringPages(j int) (parquetread.Leaf, bool) {
	t := s.targets[j]
	if t.canon != colLearner && t.canon != colItem && t.canon != colSkills && t.canon >= 0 {
		return parquetread.Leaf{}, false
	}
	leaf := s.leafOf(s.fields[j])
	if leaf < 0 {
		return parquetread.Leaf{}, false
	}
	return parquetread.StringLeaf(s.pq.ParquetReader().MetaData(), leaf, t.canon == colSkills)
}

// readStringPages reads column j of src (described by col) into rows
// [off, off+n) of l.
func readStringPages(src *source, j int, col parquetread.Leaf, l *Log, off int, c *columnDecoder) error {
	n := int(src.rows)
	t := src.targets[j]
	name := src.schema.Field(src.fields[j]).Name
	var err error
	switch {
	case t.canon == colSkills:
		err = readSkillPages(src, col, l, n, c.sink)
	case t.canon < 0:
		g := groupIndex(l, t.group)
		if g < 0 {
			return nil
		}
		err = readGroupPages(src, col, l.Groups[g][off:off+n])
	case t.canon == colLearner:
		err = readIDPages(src, col, &l.Learners, l.Learner[off:off+n])
	default:
		err = readIDPages(src, col, &l.Items, l.Item[off:off+n])
	}
	if err != nil {
		return fmt.Errorf("column %s: %w", name, err)
	}
	return nil
}

// readIDPages reads a flat id column into dst (one value per file row);
// nulls become "", which the row checks report.
func readIDPages(src *source, col parquetread.Leaf, d *Dict, dst []int32) error {
	r := &parquetread.PageReader{Col: col, Translate: func(v []byte) int32 { return intern(d, parquetread.BytesString(v)) }}
	return parquetread.ForRows(src.pq.ParquetReader(), r, len(dst), func(pg *parquetread.Page, lo, hi int) error {
		out := dst[lo:hi]
		if _, err := r.Values(out[:0]); err != nil {
			return err
		}
		if pg.Present < pg.Levels {
			parquetread.Spread(out, pg.Present, pg.Def, uint8(col.MaxDef), intern(d, ""))
		}
		return nil
	})
}

// readGroupPages reads a flat group column into dst; nulls become "".
// Rows share one copy of each distinct value.
func readGroupPages(src *source, col parquetread.Leaf, dst []string) error {
	var owned []string
	index := map[string]int32{}
	r := &parquetread.PageReader{Col: col, Translate: func(v []byte) int32 {
		if k, ok := index[parquetread.BytesString(v)]; ok {
			return k
		}
		k := int32(len(owned))
		owned = append(owned, string(v))
		index[owned[k]] = k
		return k
	}}
	var scratch []int32
	return parquetread.ForRows(src.pq.ParquetReader(), r, len(dst), func(pg *parquetread.Page, lo, hi int) error {
		scratch = grow(scratch[:0], pg.Present)
		vals, err := r.Values(scratch)
		if err != nil {
			return err
		}
		v := 0
		for i := range dst[lo:hi] {
			if pg.Def == nil || pg.Def[i] == uint8(col.MaxDef) {
				dst[lo+i] = owned[vals[v]]
				v++
			} else {
				dst[lo+i] = ""
			}
		}
		return nil
	})
}

// readSkillPages appends the file's n skill lists to l. A null element
// becomes the skill "" and a null list an empty one, both reported by the
// checks (the null list here, as a null row).
func readSkillPages(src *source, col parquetread.Leaf, l *Log, n int, sink *problemSink) error {
	d := &l.SkillIDs
	r := &parquetread.PageReader{Col: col, Translate: func(v []byte) int32 { return intern(d, parquetread.BytesString(v)) }}
	// starts[first] already holds where the file's first list starts; each
	// later entry is written at every level of the row before it and kept
	// when the next row begins, so the loop has no branch on list lengths.
	first := len(l.SkillStart) - 1
	last := first + n
	starts := grow(l.SkillStart, last+1)[:last+1]
	skills := l.Skills
	ptr := first
	err := parquetread.ForPages(src.pq.ParquetReader(), r, func(pg *parquetread.Page) error {
		if ptr == first && pg.Levels > 0 && pg.Rep[0] != 0 {
			return fmt.Errorf("the first level continues a list")
		}
		rowsBefore := ptr - first
		base := len(skills)
		end := base
		nullList := uint8(0)
		for i, rep := range pg.Rep[:pg.Levels] {
			if ptr > last {
				return fmt.Errorf("more rows than the file's %d", n)
			}
			starts[ptr] = int32(end)
			ptr += int(b2u(rep == 0))
			lv := int16(pg.Def[i])
			end += int(b2u(lv >= col.SlotDef))
			nullList |= b2u(lv < col.SlotDef-1)
		}
		if nullList != 0 {
			reportNullLists(pg, col, first+rowsBefore, first, sink)
		}
		// The page's element slots (null or not) are filled in place.
		skills = grow(skills, end)
		if _, err := r.Values(skills[base:base]); err != nil {
			return err
		}
		if pg.Present < end-base {
			spreadSlots(skills[base:end], pg.Present, pg.Def, col, intern(d, ""))
		}
		skills = skills[:end]
		return nil
	})
	if err == nil && ptr != last {
		err = fmt.Errorf("%d rows, the file %d", ptr-first, n)
	}
	if err != nil {
		return err
	}
	starts[last] = int32(len(skills))
	l.Skills, l.SkillStart = skills, starts
	return nil
}

// reportNullLists reports the null lists of a page whose first level
// belongs to list entry ptr (counted from first).
func reportNullLists(pg *parquetread.Page, col parquetread.Leaf, ptr, first int, sink *problemSink) {
	row := ptr - first - 1
	for i, rep := range pg.Rep[:pg.Levels] {
		if rep == 0 {
			row++
		}
		if int16(pg.Def[i]) < col.SlotDef-1 {
			sink.add(int64(row), ColSkills, msgNull, true)
		}
	}
}

// spreadSlots moves the n values at the start of slots to the element
// slots whose level marks a value and writes null to the null elements,
// backwards and in place as parquetread.Spread does.
func spreadSlots(slots []int32, n int, def []uint8, col parquetread.Leaf, null int32) {
	v, s := n, len(slots)
	for i := len(def) - 1; i >= 0; i-- {
		lv := int16(def[i])
		if lv < col.SlotDef {
			continue
		}
		s--
		if lv == col.MaxDef {
			v--
			slots[s] = slots[v]
		} else {
			slots[s] = null
		}
	}
}
