// Package ingest holds the machinery the format importers share: a fast
// reader of delimited text (CSV with RFC 4180 quotes, or unquoted TSV) that
// names the file and line in every error, id interning, number parsing and
// grouping of rows by learner.
package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultMaxRecordBytes bounds one record, so that a binary file without line
// breaks fails fast instead of filling memory.
const DefaultMaxRecordBytes = 1 << 20

// Reader reads delimited text one record at a time. The fields it returns
// point into internal buffers and are valid only until the next call to Read.
type Reader struct {
	name   string
	br     *bufio.Reader
	sep    byte
	quotes bool // whether '"' quotes fields (CSV) or is an ordinary byte (TSV)
	width  int  // number of header fields; 0 before the header is read
	max    int

	line int64 // first physical line of the current record (1-based)
	phys int64 // physical lines read so far
	eof  bool

	fields [][]byte
	ends   []int
	long   []byte // a physical line longer than the bufio buffer
	rec    []byte // unquoted content of a quoted record
	raw    []byte // the current record, fields joined by sep
	joined []byte // owns raw for quoted records (raw may point into br)
}

// NewReader returns a Reader of r, a file called name (used in errors),
// separating fields by sep. With quotes, fields may be enclosed in double
// quotes as in RFC 4180 ("" is a quote, quoted fields may span lines).
func NewReader(r io.Reader, name string, sep byte, quotes bool) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 64<<10), sep: sep, quotes: quotes, max: DefaultMaxRecordBytes}
}

// Name returns the file name used in errors.
func (r *Reader) Name() string { return r.name }

// Line returns the line on which the current record starts.
func (r *Reader) Line() int64 { return r.line }

// Errorf returns an error prefixed with "name:line: " for the current record.
func (r *Reader) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", r.name, r.line, fmt.Sprintf(format, args...))
}

// ErrEmpty reports a file with no header line.
var ErrEmpty = errors.New("empty file: no header line")

// Header reads the header record and returns the column names, trimmed of
// spaces and of a leading UTF-8 byte-order mark. Later records must have as
// many fields as the header.
func (r *Reader) Header() ([]string, error) {
	if b, err := r.br.Peek(2); err == nil && b[0] == 0x1f && b[1] == 0x8b {
		return nil, fmt.Errorf("%s:1: gzip-compressed data; decompress the file first", r.name)
	}
	fields, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w", r.name, ErrEmpty)
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		if i == 0 {
			f = bytes.TrimPrefix(f, []byte("\xef\xbb\xbf"))
		}
		if !utf8.Valid(f) {
			return nil, r.Errorf("header is not UTF-8 text; not a delimited text file?")
		}
		names[i] = strings.TrimSpace(string(f))
	}
	r.width = len(names)
	return names, nil
}

// Read returns the fields of the next non-blank record, or io.EOF at the end
// of the input. A record with a NUL byte, one longer than the record limit, an
// unterminated quote or a field count different from the header's is an
// error naming the line.
func (r *Reader) Read() ([][]byte, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		r.line = r.phys
		if len(line) == 0 {
			continue // blank lines carry no record, as in pandas
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return nil, r.Errorf("binary data (NUL byte); not a delimited text file")
		}
		if r.quotes && bytes.IndexByte(line, '"') >= 0 {
			if err := r.splitQuoted(line); err != nil {
				return nil, err
			}
		} else {
			r.raw = line
			r.fields = split(r.fields[:0], line, r.sep)
		}
		if r.width > 0 && len(r.fields) != r.width {
			return nil, r.Errorf("%d fields, header has %d (truncated or malformed line)", len(r.fields), r.width)
		}
		return r.fields, nil
	}
}

// Record returns the current record's fields joined by the separator, for
// detecting exact duplicate records. Valid until the next Read.
func (r *Reader) Record() []byte { return r.raw }

func split(dst [][]byte, line []byte, sep byte) [][]byte {
	for {
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i:i])
		line = line[i+1:]
	}
}

// readLine returns the next physical line without its line ending.
func (r *Reader) readLine() ([]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull && len(r.long) <= r.max {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		if len(r.long) > r.max {
			r.line = r.phys + 1
			return nil, r.Errorf("line longer than %d bytes; not a delimited text file?", r.max)
		}
		line = r.long
	}
	switch {
	case err == io.EOF:
		r.eof = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, fmt.Errorf("%s:%d: %w", r.name, r.phys+1, err)
	}
	r.phys++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// splitQuoted parses a record holding quotes; it reads further lines while a
// quoted field is open. Text after a closing quote is kept, as pandas does.
func (r *Reader) splitQuoted(line []byte) error {
	start := r.line
	r.rec, r.ends = r.rec[:0], r.ends[:0]
	for i := 0; ; i++ { // one field per iteration; i skips the separator
		if i < len(line) && line[i] == '"' {
			var err error
			if line, i, err = r.quoted(line, i+1); err != nil {
				r.line = start
				return err
			}
		}
		k := bytes.IndexByte(line[i:], r.sep)
		if k < 0 {
			k = len(line) - i
		}
		r.rec = append(r.rec, line[i:i+k]...)
		i += k
		r.ends = append(r.ends, len(r.rec))
		if i >= len(line) {
			break
		}
	}
	r.line = start
	r.fields = r.fields[:0]
	r.joined = r.joined[:0]
	from := 0
	for n, end := range r.ends {
		r.fields = append(r.fields, r.rec[from:end:end])
		if n > 0 {
			r.joined = append(r.joined, r.sep)
		}
		r.joined = append(r.joined, r.rec[from:end]...)
		from = end
	}
	r.raw = r.joined
	return nil
}

// quoted appends the content of a quoted field starting at line[i] to r.rec
// and returns the line and position just after the closing quote.
func (r *Reader) quoted(line []byte, i int) ([]byte, int, error) {
	for {
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 { // the field goes on past the end of the line
			r.rec = append(r.rec, line[i:]...)
			r.rec = append(r.rec, '\n')
			if len(r.rec) > r.max {
				return nil, 0, r.Errorf("record longer than %d bytes (unterminated quote?)", r.max)
			}
			next, err := r.readLine()
			if err == io.EOF {
				return nil, 0, r.Errorf("unterminated quoted field (truncated file?)")
			}
			if err != nil {
				return nil, 0, err
			}
			if bytes.IndexByte(next, 0) >= 0 {
				return nil, 0, r.Errorf("binary data (NUL byte); not a delimited text file")
			}
			line, i = next, 0
			continue
		}
		r.rec = append(r.rec, line[i:i+j]...)
		i += j + 1
		if i < len(line) && line[i] == '"' {
			r.rec = append(r.rec, '"')
			i++
			continue
		}
		return line, i, nil
	}
}
