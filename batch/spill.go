package batch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// spiller partitions a log by learner hash into one temporary file per
// part, so that each part can later be loaded and scored on its own. The
// files are private to one run (never read by other tools), so they use a
// compact row encoding rather than Arrow: items and skills are stored as
// model indexes already resolved, and each part needs only a small write
// buffer, which keeps memory flat however many parts there are.
//
// A row is: uvarint row length, then uvarint id length + 1 and the id's
// bytes, or 0 when the learner is the previous row's; varint seq, varint
// Unix ms (datasets.NoTime when unknown), uvarint item+1 (0: not in the
// model), flags byte, uvarint skill count, uvarint skills. Logs usually
// keep a learner's rows together, so most rows skip the id and loading
// skips the id lookup.
type spiller struct {
	dir     string
	place   placement
	want    []bool // parts to spill; the others are done already
	files   []*os.File
	bufs    [][]byte
	bufSize int
	rows    []int64 // rows spilled per part
	skills  []int64 // skills of the rows spilled per part
	row     []byte  // scratch for one encoded row
	// last[p] is the learner of part p's previous row: its dictionary
	// entry in batch number batch (-1: none yet).
	last  []int32
	batch int32
}

// newSpiller creates one spill file per wanted part in dir.
func newSpiller(dir string, place placement, want []bool, bufSize int) (*spiller, error) {
	s := &spiller{dir: dir, place: place, want: want, bufSize: bufSize,
		files: make([]*os.File, place.parts), bufs: make([][]byte, place.parts), rows: make([]int64, place.parts),
		skills: make([]int64, place.parts), last: make([]int32, place.parts)}
	for p := range place.parts {
		if !want[p] {
			continue
		}
		f, err := os.Create(s.path(p))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("spill: %w", err)
		}
		s.files[p] = f
	}
	return s, nil
}

func (s *spiller) path(p int) string { return filepath.Join(s.dir, fmt.Sprintf("part-%04d.spill", p)) }

// add appends the batch's rows to their parts' files and returns how many
// rows belong to this shard's wanted parts.
func (s *spiller) add(b *recordBatch) (int, error) {
	// A new batch has a new dictionary: no row of it repeats a learner
	// entry of the last.
	for p := range s.last {
		s.last[p] = -1
	}
	added := 0
	for i := range b.n {
		e := b.learner[i]
		p := b.part[e]
		if p < 0 || !s.want[p] {
			continue
		}
		id := b.learnerIDs.Value(int(e))
		if s.last[p] == e {
			id = ""
		}
		s.last[p] = e
		var n int
		s.row, n = encodeRow(s.row[:0], b, i, id)
		s.skills[p] += int64(n)
		buf := binary.AppendUvarint(s.bufs[p], uint64(len(s.row)))
		s.bufs[p] = append(buf, s.row...)
		s.rows[p]++
		added++
		if len(s.bufs[p]) >= s.bufSize {
			if err := s.flush(int(p)); err != nil {
				return added, err
			}
		}
	}
	return added, nil
}

// encodeRow appends row i of b, learner id ("" for the previous row's), to
// dst and returns it with the number of skills written.
func encodeRow(dst []byte, b *recordBatch, i int, id string) ([]byte, int) {
	if id == "" {
		dst = append(dst, 0)
	} else {
		dst = binary.AppendUvarint(dst, uint64(len(id))+1)
		dst = append(dst, id...)
	}
	dst = binary.AppendVarint(dst, b.seq[i])
	dst = binary.AppendVarint(dst, b.timeMS(i))
	dst = binary.AppendUvarint(dst, uint64(b.modelItem[b.item[i]]+1))
	dst = append(dst, b.flags(i))
	n := 0
	for _, k := range b.skill[b.skillOffsets[i]:b.skillOffsets[i+1]] {
		if b.modelSkill[k] >= 0 {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, k := range b.skill[b.skillOffsets[i]:b.skillOffsets[i+1]] {
		if mk := b.modelSkill[k]; mk >= 0 {
			dst = binary.AppendUvarint(dst, uint64(mk))
		}
	}
	return dst, n
}

func (s *spiller) flush(p int) error {
	if _, err := s.files[p].Write(s.bufs[p]); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.bufs[p] = s.bufs[p][:0]
	return nil
}

// finish flushes and closes every file; the parts are then ready to load.
func (s *spiller) finish() error {
	for p, f := range s.files {
		if f == nil {
			continue
		}
		if err := s.flush(p); err != nil {
			return err
		}
		s.bufs[p] = nil
	}
	return s.close()
}

// close closes every file.
func (s *spiller) close() error {
	var errs []error
	for p, f := range s.files {
		if f != nil {
			errs = append(errs, f.Close())
			s.files[p] = nil
		}
	}
	return errors.Join(errs...)
}

// load reads part p's spill file into c and removes the file. c's buffers
// are reused; a nil c is made with room for the largest part, so no later
// part grows it (growing would hold old and new arrays at once).
func (s *spiller) load(p int, c *cohort) (*cohort, error) {
	path := s.path(p)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	defer f.Close()
	if c == nil {
		var rows, skills int64
		for q, want := range s.want {
			if want {
				rows, skills = max(rows, s.rows[q]), max(skills, s.skills[q])
			}
		}
		c = newCohort(int(rows), int(skills))
	}
	c.reset()
	if err := decodeRows(f, c); err != nil {
		return nil, fmt.Errorf("spill %s: %w", path, err)
	}
	if int64(c.Len()) != s.rows[p] {
		return nil, fmt.Errorf("spill %s: read %d rows, wrote %d", path, c.Len(), s.rows[p])
	}
	os.Remove(path)
	return c, nil
}

// spillChunk is how much of a spill file load reads at a time.
const spillChunk = 1 << 20

// decodeRows appends every row of r to c, reading spillChunk bytes at a
// time: store[lo:hi] holds the bytes read but not yet decoded.
func decodeRows(r io.Reader, c *cohort) error {
	store := make([]byte, spillChunk)
	lo, hi := 0, 0
	eof := false
	d := rowDecoder{c: c, learner: -1}
	for {
		win := store[lo:hi]
		n, k := binary.Uvarint(win)
		if k < 0 || n > maxSpillRow {
			return errors.New("corrupt row length")
		}
		if k > 0 && uint64(len(win)-k) >= n {
			if err := d.decode(win[k : k+int(n)]); err != nil {
				return err
			}
			lo += k + int(n)
			continue
		}
		if eof {
			if lo < hi {
				return errors.New("truncated row")
			}
			return nil
		}
		need := len(win) + binary.MaxVarintLen64
		if k > 0 {
			need = k + int(n)
		}
		if need > len(store) {
			store = make([]byte, max(need, 2*len(store)))
		}
		copy(store, win)
		lo, hi = 0, len(win)
		m, err := io.ReadFull(r, store[hi:])
		hi += m
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
		} else if err != nil {
			return err
		}
	}
}

// maxSpillRow bounds a row's encoded length, so a corrupt length cannot
// make load allocate without limit.
const maxSpillRow = 1 << 28

// rowDecoder decodes spill rows into a cohort.
type rowDecoder struct {
	c       *cohort
	learner int32 // the previous row's learner, -1 before the first
	row     []byte
	bad     bool
}

func (d *rowDecoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.row)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.row = d.row[k:]
	return v
}

func (d *rowDecoder) varint() int64 {
	v, k := binary.Varint(d.row)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.row = d.row[k:]
	return v
}

// decode appends one encoded row to the cohort.
func (d *rowDecoder) decode(row []byte) error {
	d.row, d.bad = row, false
	switch idLen := d.uvarint(); {
	case d.bad || uint64(len(d.row)) < idLen-1 && idLen > 0:
		return errors.New("corrupt learner id")
	case idLen > 0:
		d.learner = d.c.internBytes(d.row[:idLen-1])
		d.row = d.row[idLen-1:]
	case d.learner < 0:
		return errors.New("first row repeats a learner")
	}
	seq, t, item := d.varint(), d.varint(), int32(d.uvarint())-1
	if d.bad || len(d.row) == 0 {
		return errors.New("corrupt row")
	}
	flags := d.row[0]
	d.row = d.row[1:]
	for n := d.uvarint(); n > 0 && !d.bad; n-- {
		d.c.skills = append(d.c.skills, int32(d.uvarint()))
	}
	if d.bad || len(d.row) != 0 {
		return errors.New("corrupt skills")
	}
	d.c.add(d.learner, item, seq, t, flags)
	return nil
}
