package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/zpd-project/zpd/datasets"
)

// EachRecord reads every record after the header and passes its fields to
// take. It counts the rows read in sum (before calling take), records a row
// that take rejects (a non-empty reason) under the reader's file and line,
// and stops at the first error: from the file, from take, or from ctx,
// which it checks every 65,536 rows. When take kept no row it returns an
// error wrapping datasets.ErrNoAttempts that says why.
func EachRecord(ctx context.Context, rd *Reader, sum *datasets.ImportSummary, take func(f [][]byte) (reason string, err error)) error {
	for {
		if sum.RowsRead&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		f, err := rd.Read()
		if err == io.EOF {
			if sum.RowsRead == sum.RejectedRows() {
				return noAttempts(rd.Name(), sum)
			}
			return nil
		}
		if err != nil {
			return err
		}
		sum.RowsRead++
		reason, err := take(f)
		if err != nil {
			return err
		}
		if reason != "" {
			sum.Reject(rd.Name(), rd.Line(), reason)
		}
	}
}

// noAttempts explains an import of file name that produced no attempt:
// the file holds only a header, or every row was rejected.
func noAttempts(name string, sum *datasets.ImportSummary) error {
	if sum.RowsRead == 0 {
		return fmt.Errorf("%s: %w: the file holds only a header", name, datasets.ErrNoAttempts)
	}
	return fmt.Errorf("%s: %w: all %d rows rejected", name, datasets.ErrNoAttempts, sum.RowsRead)
}

// Open starts reading the delimited file name from r: it reads the header
// and resolves it with columns, which names the file in its errors.
func Open[C any](r io.Reader, name string, sep byte, quotes bool, columns func(name string, header []string) (C, error)) (*Reader, C, error) {
	rd := NewReader(r, name, sep, quotes)
	var c C
	header, err := rd.Header()
	if err != nil {
		return nil, c, err
	}
	c, err = columns(name, header)
	return rd, c, err
}
