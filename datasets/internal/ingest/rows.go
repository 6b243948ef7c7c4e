package ingest

// chunkBits sets the rows per chunk of Rows (64Ki).
const chunkBits = 16

// Rows is an append-only list of parsed rows stored in fixed-size chunks, so
// that growing it never copies more than one chunk: a million 56-byte rows
// appended to a plain slice would copy several hundred megabytes as it grows.
// The first chunk starts small, so that small files stay cheap.
type Rows[T any] struct {
	chunks [][]T
	n      int
}

// Append adds r at the end.
func (s *Rows[T]) Append(r T) {
	if s.n>>chunkBits == len(s.chunks) { // the last chunk is full (or there is none)
		capacity := 1 << chunkBits
		if s.n == 0 {
			capacity = 64 // grown by append up to a full chunk
		}
		s.chunks = append(s.chunks, make([]T, 0, capacity))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, r)
	s.n++
}

// At returns a pointer to row i, valid until the next Append.
func (s *Rows[T]) At(i int32) *T { return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// Len returns the number of rows.
func (s *Rows[T]) Len() int { return s.n }
