package ingest

// chunkBits sets the rows per chunk of Rows (64Ki).
const chunkBits = 16

// Rows is an append-only list of parsed rows stored in fixed-size chunks, so
// that growing it never copies what it holds: a million 80-byte rows appended
// to a plain slice would copy several hundred megabytes as it grows.
type Rows[T any] struct {
	chunks [][]T
	n      int
}

// Append adds r at the end.
func (s *Rows[T]) Append(r T) {
	if s.n>>chunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, 0, 1<<chunkBits))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, r)
	s.n++
}

// At returns a pointer to row i, valid for the life of s.
func (s *Rows[T]) At(i int32) *T { return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// Len returns the number of rows.
func (s *Rows[T]) Len() int { return s.n }
