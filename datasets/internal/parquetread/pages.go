package parquetread

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/parquet-go/bitpack"
)

// String id, skill and group columns are read page by page from their
// Parquet pages: each dictionary entry is translated (interned) once and
// each row then costs one dictionary index, decoded straight from the
// page. Through pqarrow the same column is first built into Arrow
// dictionary (and, for skills, list) arrays, which took most of ReadLog's
// time. Levels and indices use Parquet's RLE/bit-packed hybrid encoding;
// arrow-go keeps its decoder internal, so hybrid below walks the runs and
// parquet-go's bitpack unpacks the bit-packed ones. Columns with other
// encodings or shapes take the pqarrow path.

// Leaf describes a string column the page reader can decode.
type Leaf struct {
	Leaf           int // the column's leaf index in the file schema
	MaxDef, MaxRep int16
	// SlotDef is, for a list, the definition level from which a level
	// holds a list element (null or not); one below it is an empty list
	// and lower levels a null list.
	SlotDef int16
}

// PageEncoding reports whether the page reader decodes column chunk
// encoding e: PLAIN and dictionary values, RLE levels.
func PageEncoding(e parquet.Encoding) bool {
	switch e {
	case parquet.Encodings.Plain, parquet.Encodings.PlainDict, parquet.Encodings.RLEDict, parquet.Encodings.RLE:
		return true
	}
	return false
}

// RepeatedDefLevel returns the definition level of col's repeated
// ancestor (or of col itself when it is the repeated node): the number of
// optional or repeated nodes from the root's children down to it.
func RepeatedDefLevel(col *schema.Column) int16 {
	var path []schema.Node
	for n := col.SchemaNode(); n != nil && n.Parent() != nil; n = n.Parent() {
		path = append(path, n)
	}
	def := int16(0)
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].RepetitionType() != parquet.Repetitions.Required {
			def++
		}
		if path[i].RepetitionType() == parquet.Repetitions.Repeated {
			return def
		}
	}
	return -1
}

// StringLeaf returns how to read leaf column leaf of md page by page: a
// byte-array column, flat (list false) or a list of strings (list true),
// whose every chunk uses encodings the page reader decodes. It returns
// false when the column needs a general reader.
func StringLeaf(md *metadata.FileMetaData, leaf int, list bool) (Leaf, bool) {
	col := md.Schema.Column(leaf)
	if col.PhysicalType() != parquet.Types.ByteArray {
		return Leaf{}, false
	}
	sl := Leaf{Leaf: leaf, MaxDef: col.MaxDefinitionLevel(), MaxRep: col.MaxRepetitionLevel()}
	if sl.MaxDef > 127 { // levels are decoded into bytes
		return Leaf{}, false
	}
	switch {
	case list && sl.MaxRep == 1:
		sl.SlotDef = RepeatedDefLevel(col)
		if sl.SlotDef < 1 || sl.MaxDef-sl.SlotDef > 1 {
			return Leaf{}, false
		}
	case !list && sl.MaxRep == 0 && sl.MaxDef <= 1:
	default:
		return Leaf{}, false
	}
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		cc, err := md.RowGroup(rg).ColumnChunk(leaf)
		if err != nil {
			return Leaf{}, false
		}
		for _, e := range cc.Encodings() {
			if !PageEncoding(e) {
				return Leaf{}, false
			}
		}
	}
	return sl, true
}

// Page is one data page: its decoded levels and its still encoded
// values.
type Page struct {
	Def, Rep []uint8 // nil when the column has no such levels
	Levels   int     // levels (rows, for a flat column) in the page
	Present  int     // non-null values
	values   []byte
	enc      parquet.Encoding
}

// PageReader decodes the pages of one string column, translating
// each distinct value with Translate: dictionary entries once per
// dictionary, PLAIN values once per run of equal values.
type PageReader struct {
	Col       Leaf
	Translate func([]byte) int32
	dict      []int32 // dictionary entry -> translated value
	haveDict  bool
	page      Page
	hybrid    hybrid
}

// next reads page p: a dictionary page replaces the dictionary (ok is
// false), a data page's levels are decoded into r.page, whose values
// are then decoded by values.
func (r *PageReader) next(p file.Page) (ok bool, err error) {
	switch p := p.(type) {
	case *file.DictionaryPage:
		return false, r.setDictionary(p)
	case *file.DataPageV1:
		data := p.Data()
		var rep, def []byte
		if rep, data, err = levelsV1(data, r.Col.MaxRep, p.RepetitionLevelEncoding()); err != nil {
			return false, fmt.Errorf("repetition levels: %w", err)
		}
		if def, data, err = levelsV1(data, r.Col.MaxDef, p.DefinitionLevelEncoding()); err != nil {
			return false, fmt.Errorf("definition levels: %w", err)
		}
		return true, r.levels(int(p.NumValues()), rep, def, data, parquet.Encoding(p.Encoding()))
	case *file.DataPageV2:
		data := p.Data()
		rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
		if rl < 0 || dl < 0 || rl+dl > len(data) {
			return false, fmt.Errorf("level lengths %d+%d exceed the %d-byte page", rl, dl, len(data))
		}
		return true, r.levels(int(p.NumValues()), data[:rl], data[rl:rl+dl], data[rl+dl:], parquet.Encoding(p.Encoding()))
	}
	return false, fmt.Errorf("unexpected page type %T", p)
}

// levelsV1 splits a V1 page's length-prefixed RLE levels off data; a
// column whose maximum level is zero stores none.
func levelsV1(data []byte, max int16, enc parquet.Encoding) (levels, rest []byte, err error) {
	if max == 0 {
		return nil, data, nil
	}
	if enc != parquet.Encodings.RLE {
		return nil, nil, fmt.Errorf("unsupported encoding %s", enc)
	}
	if len(data) < 4 {
		return nil, nil, fmt.Errorf("page ends in the length prefix")
	}
	n := binary.LittleEndian.Uint32(data)
	if uint64(n) > uint64(len(data)-4) {
		return nil, nil, fmt.Errorf("length %d exceeds the %d bytes left", n, len(data)-4)
	}
	return data[4 : 4+n], data[4+n:], nil
}

// setDictionary translates a dictionary page's PLAIN values.
func (r *PageReader) setDictionary(p *file.DictionaryPage) error {
	enc := parquet.Encoding(p.Encoding())
	if enc != parquet.Encodings.Plain && enc != parquet.Encodings.PlainDict {
		return fmt.Errorf("dictionary page encoding %s", enc)
	}
	r.dict = r.dict[:0]
	err := plainValues(p.Data(), int(p.NumValues()), func(v []byte) {
		r.dict = append(r.dict, r.Translate(v))
	})
	r.haveDict = err == nil
	return err
}

// levels decodes a data page's n levels into r.page and keeps its values.
func (r *PageReader) levels(n int, rep, def, values []byte, enc parquet.Encoding) (err error) {
	pg := &r.page
	pg.Levels, pg.values, pg.enc = n, values, enc
	if pg.Rep, err = r.hybrid.levels(pg.Rep, rep, n, r.Col.MaxRep); err != nil {
		return fmt.Errorf("repetition levels: %w", err)
	}
	if pg.Def, err = r.hybrid.levels(pg.Def, def, n, r.Col.MaxDef); err != nil {
		return fmt.Errorf("definition levels: %w", err)
	}
	pg.Present = n
	if pg.Def != nil {
		pg.Present = 0
		for _, d := range pg.Def {
			if d == uint8(r.Col.MaxDef) {
				pg.Present++
			}
		}
	}
	return nil
}

// Values decodes the page's non-null values, translated, into
// dst[:present], which must have room for them, and returns that slice.
func (r *PageReader) Values(dst []int32) ([]int32, error) {
	pg := &r.page
	dst = dst[:pg.Present]
	switch pg.enc {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		return dst, r.dictValues(pg.values, dst)
	case parquet.Encodings.Plain:
		return dst, r.plainValues(pg.values, dst)
	}
	return nil, fmt.Errorf("unsupported data page encoding %s", pg.enc)
}

// hybrid decodes Parquet's RLE/bit-packed hybrid encoding.
type hybrid struct {
	pad  []byte  // a bit-packed run copied with the padding bitpack reads
	wide []int32 // bit-packed levels before they are narrowed to bytes
}

// levels decodes n levels of a column whose maximum level is max into
// dst, reusing its memory; it returns nil when max is zero (no levels are
// stored). Levels are bytes: a page's levels are as many as its rows.
func (h *hybrid) levels(dst []uint8, src []byte, n int, max int16) ([]uint8, error) {
	if max == 0 {
		return nil, nil
	}
	dst = grow(dst[:0], n)[:n]
	if err := decodeHybrid(h, dst, src, bits.Len16(uint16(max))); err != nil {
		return nil, err
	}
	for _, v := range dst {
		if int16(v) > max {
			return nil, fmt.Errorf("level %d above the maximum %d", v, max)
		}
	}
	return dst, nil
}

// decodeHybrid decodes exactly len(dst) values of bitWidth bits from the
// runs of src; runs past them are ignored, as other readers do. Byte
// outputs (levels) take widths up to 8 bits, int32 up to 32.
func decodeHybrid[T int32 | uint8](h *hybrid, dst []T, src []byte, bitWidth int) error {
	var zero T
	if bitWidth > 8*int(unsafe.Sizeof(zero)) {
		return fmt.Errorf("bit width %d", bitWidth)
	}
	for out := 0; out < len(dst); {
		u, k := binary.Uvarint(src)
		if k <= 0 {
			return fmt.Errorf("page holds %d of %d values", out, len(dst))
		}
		src = src[k:]
		if u&1 == 0 { // a run of one value
			w := (bitWidth + 7) / 8
			if len(src) < w {
				return fmt.Errorf("run cut off after %d of %d values", out, len(dst))
			}
			var v uint32
			for b := range w {
				v |= uint32(src[b]) << (8 * b)
			}
			src = src[w:]
			m := int(min(u>>1, uint64(len(dst)-out)))
			fill(dst[out:out+m], T(v))
			out += m
			continue
		}
		groups := u >> 1 // bit-packed groups of eight values
		if groups > uint64(len(src)) {
			return fmt.Errorf("run cut off after %d of %d values", out, len(dst))
		}
		size := int(groups) * bitWidth
		if size > len(src) {
			return fmt.Errorf("run cut off after %d of %d values", out, len(dst))
		}
		m := int(min(8*groups, uint64(len(dst)-out)))
		unpackHybrid(h, dst[out:out+m], src[:size], bitWidth)
		src = src[size:]
		out += m
	}
	return nil
}

// unpackHybrid unpacks len(dst) values of bitWidth bits from in; byte
// outputs go through a small int32 buffer, a block of values at a time.
func unpackHybrid[T int32 | uint8](h *hybrid, dst []T, in []byte, bitWidth int) {
	if bitWidth == 0 {
		clear(dst)
		return
	}
	if cap(in)-len(in) < bitpack.PaddingInt32 {
		h.pad = append(append(h.pad[:0], in...), make([]byte, bitpack.PaddingInt32)...)
		in = h.pad[:len(in)]
	}
	if d, ok := any(dst).([]int32); ok {
		bitpack.Unpack(d, in, uint(bitWidth))
		return
	}
	const block = 1024 // a multiple of 8: blocks start on a byte
	if len(h.wide) < block {
		h.wide = make([]int32, block)
	}
	for start := 0; start < len(dst); start += block {
		w := h.wide[:min(block, len(dst)-start)]
		bitpack.Unpack(w, in[start/8*bitWidth:], uint(bitWidth))
		for i, v := range w {
			dst[start+i] = T(v)
		}
	}
}

// dictValues decodes len(dst) dictionary indexes into dst and translates
// them.
func (r *PageReader) dictValues(data []byte, dst []int32) error {
	if len(dst) == 0 {
		return nil
	}
	if !r.haveDict {
		return fmt.Errorf("dictionary-encoded page without a dictionary")
	}
	if len(data) == 0 {
		return fmt.Errorf("page holds no dictionary indexes")
	}
	if err := decodeHybrid(&r.hybrid, dst, data[1:], int(data[0])); err != nil {
		return err
	}
	dict := r.dict
	for i, k := range dst {
		if uint32(k) >= uint32(len(dict)) {
			return fmt.Errorf("dictionary index %d out of range (%d entries)", uint32(k), len(dict))
		}
		dst[i] = dict[k]
	}
	return nil
}

// plainValues translates len(dst) PLAIN values; a run of equal values
// (one learner's rows) is translated once.
func (r *PageReader) plainValues(data []byte, dst []int32) error {
	var prev []byte
	var prevVal int32
	i := 0
	return plainValues(data, len(dst), func(v []byte) {
		if i == 0 || string(v) != string(prev) {
			prev, prevVal = v, r.Translate(v)
		}
		dst[i] = prevVal
		i++
	})
}

// plainValues calls f with each of the n length-prefixed values of data.
func plainValues(data []byte, n int, f func([]byte)) error {
	for i := 0; i < n; i++ {
		if len(data) < 4 {
			return fmt.Errorf("page ends at value %d of %d", i, n)
		}
		k := binary.LittleEndian.Uint32(data)
		if uint64(k) > uint64(len(data)-4) {
			return fmt.Errorf("value %d: length %d exceeds the %d bytes left", i, k, len(data)-4)
		}
		f(data[4 : 4+k])
		data = data[4+k:]
	}
	return nil
}

// BytesString views b as a string without copying; the string must not
// outlive b (a Translate that keeps it must copy it).
func BytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// ForPages decodes every data page of r's column in every row group of
// pf, calling take with each.
func ForPages(pf *file.Reader, r *PageReader, take func(*Page) error) error {
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		pr, err := pf.RowGroup(rg).GetColumnPageReader(r.Col.Leaf)
		if err != nil {
			return err
		}
		r.haveDict = false
		// Pages may hold no more levels than the row group has rows (flat
		// columns) or the chunk says it has levels: the Log was sized by
		// those, and a page's level count sizes its buffers.
		left := pf.MetaData().RowGroup(rg).NumRows()
		if r.Col.MaxRep > 0 {
			cc, err := pf.MetaData().RowGroup(rg).ColumnChunk(r.Col.Leaf)
			if err != nil {
				return err
			}
			left = cc.NumValues()
		}
		for pr.Next() {
			if dp, isData := pr.Page().(file.DataPage); isData {
				if int64(dp.NumValues()) > left || dp.NumValues() < 0 {
					pr.Close()
					return fmt.Errorf("row group %d: a page of %d values overruns the chunk", rg, dp.NumValues())
				}
				left -= int64(dp.NumValues())
			}
			ok, err := r.next(pr.Page())
			if err == nil && ok {
				err = take(&r.page)
			}
			if err != nil {
				pr.Close()
				return fmt.Errorf("row group %d: %w", rg, err)
			}
		}
		err = pr.Err()
		pr.Close()
		if err != nil {
			return fmt.Errorf("row group %d: %w", rg, err)
		}
	}
	return nil
}

// ForRows is ForPages for a flat column of n rows: take gets each page
// with the file rows [lo, hi) it holds.
func ForRows(pf *file.Reader, r *PageReader, n int, take func(pg *Page, lo, hi int) error) error {
	pos := 0
	err := ForPages(pf, r, func(pg *Page) error {
		if pos+pg.Levels > n {
			return fmt.Errorf("more rows than the file's %d", n)
		}
		lo := pos
		pos += pg.Levels
		return take(pg, lo, pos)
	})
	if err == nil && pos != n {
		err = fmt.Errorf("%d rows, the file %d", pos, n)
	}
	return err
}

// grow returns s with capacity for n elements, keeping its contents.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s
	}
	if cap(s) > 0 {
		n = max(n, 2*cap(s))
	}
	return append(make([]T, 0, n), s...)
}

// fill sets every element of s to v.
func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}
