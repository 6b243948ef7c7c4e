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
// A row is: uvarint row length, then uvarint id length, id bytes, varint
// seq, varint Unix ms (datasets.NoTime when unknown), uvarint item+1 (0:
// not in the model), flags byte, uvarint skill count, uvarint skills.
type spiller struct {
	dir     string
	place   placement
	want    []bool // parts to spill; the others are done already
	files   []*os.File
	bufs    [][]byte
	bufSize int
	rows    []int64 // rows spilled per part
	row     []byte  // scratch for one encoded row
}

// newSpiller creates one spill file per wanted part in dir.
func newSpiller(dir string, place placement, want []bool, bufSize int) (*spiller, error) {
	s := &spiller{dir: dir, place: place, want: want, bufSize: bufSize,
		files: make([]*os.File, place.parts), bufs: make([][]byte, place.parts), rows: make([]int64, place.parts)}
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
	added := 0
	for i := range b.n {
		e := b.learner[i]
		p := b.part[e]
		if p < 0 || !s.want[p] {
			continue
		}
		s.row = encodeRow(s.row[:0], b, i, b.learnerIDs.Value(int(e)))
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

// encodeRow appends row i of b, learner id, to dst.
func encodeRow(dst []byte, b *recordBatch, i int, id string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(id)))
	dst = append(dst, id...)
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
	return dst
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

// load reads part p's spill file into a cohort and removes the file.
func (s *spiller) load(p int) (*cohort, error) {
	path := s.path(p)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	defer f.Close()
	c := newCohort(int(s.rows[p]))
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
	for {
		win := store[lo:hi]
		n, k := binary.Uvarint(win)
		if k < 0 || n > maxSpillRow {
			return errors.New("corrupt row length")
		}
		if k > 0 && uint64(len(win)-k) >= n {
			if err := decodeRow(win[k:k+int(n)], c); err != nil {
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

// decodeRow appends one encoded row to c.
func decodeRow(row []byte, c *cohort) error {
	var bad bool
	uvarint := func() uint64 {
		v, k := binary.Uvarint(row)
		if k <= 0 {
			bad = true
			return 0
		}
		row = row[k:]
		return v
	}
	varint := func() int64 {
		v, k := binary.Varint(row)
		if k <= 0 {
			bad = true
			return 0
		}
		row = row[k:]
		return v
	}
	idLen := uvarint()
	if bad || uint64(len(row)) < idLen {
		return errors.New("corrupt learner id")
	}
	u := c.internBytes(row[:idLen])
	row = row[idLen:]
	seq, t, item := varint(), varint(), int32(uvarint())-1
	if bad || len(row) == 0 {
		return errors.New("corrupt row")
	}
	flags := row[0]
	row = row[1:]
	for n := uvarint(); n > 0 && !bad; n-- {
		c.skills = append(c.skills, int32(uvarint()))
	}
	if bad || len(row) != 0 {
		return errors.New("corrupt skills")
	}
	c.add(u, item, seq, t, flags)
	return nil
}
