package parquetread

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/parquet-go/bitpack"
)

// runs builds hybrid-encoded input: each part is an RLE run (count,
// value) or a bit-packed run of whole groups of eight values.
type run struct {
	rle    bool
	count  uint64
	values []int32
}

func encodeRuns(bitWidth int, runs ...run) []byte {
	var out []byte
	for _, r := range runs {
		if r.rle {
			out = binary.AppendUvarint(out, r.count<<1)
			for b := 0; b < (bitWidth+7)/8; b++ {
				out = append(out, byte(uint32(r.values[0])>>(8*b)))
			}
			continue
		}
		groups := (len(r.values) + 7) / 8
		out = binary.AppendUvarint(out, uint64(groups)<<1|1)
		vals := make([]int32, groups*8)
		copy(vals, r.values)
		packed := make([]byte, groups*bitWidth+bitpack.PaddingInt32)
		bitpack.Pack(packed, vals, uint(bitWidth))
		out = append(out, packed[:groups*bitWidth]...)
	}
	return out
}

func TestHybridDecode(t *testing.T) {
	seq := func(n int, mod int32) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(i) % mod
		}
		return out
	}
	tests := []struct {
		name     string
		bitWidth int
		src      []byte
		n        int
		want     []int32 // nil: an error
	}{
		{"rle", 3, encodeRuns(3, run{rle: true, count: 5, values: []int32{5}}), 5, []int32{5, 5, 5, 5, 5}},
		{"rle longer than needed", 3, encodeRuns(3, run{rle: true, count: 5, values: []int32{6}}), 2, []int32{6, 6}},
		{"rle claiming 2^40 values", 9, encodeRuns(9, run{rle: true, count: 1 << 40, values: []int32{300}}), 3, []int32{300, 300, 300}},
		{"bit-packed", 3, encodeRuns(3, run{values: seq(8, 8)}), 8, seq(8, 8)},
		{"bit-packed prefix", 3, encodeRuns(3, run{values: seq(16, 8)}), 11, seq(11, 8)},
		{"mixed", 5, encodeRuns(5, run{rle: true, count: 3, values: []int32{17}}, run{values: seq(8, 31)}),
			10, append([]int32{17, 17, 17}, seq(7, 31)...)},
		{"width 0", 0, encodeRuns(0, run{values: make([]int32, 8)}, run{rle: true, count: 4}), 12, make([]int32, 12)},
		{"width 32", 32, encodeRuns(32, run{values: []int32{-1, 1 << 30, 7, 0, 1, 2, 3, 4}}), 3, []int32{-1, 1 << 30, 7}},
		{"trailing runs ignored", 2, encodeRuns(2, run{rle: true, count: 2, values: []int32{3}}, run{rle: true, count: 9, values: []int32{1}}), 2, []int32{3, 3}},
		{"too few values", 3, encodeRuns(3, run{values: seq(8, 8)}), 9, nil},
		{"bit-packed run cut off", 3, encodeRuns(3, run{values: seq(16, 8)})[:5], 16, nil},
		{"rle value cut off", 16, encodeRuns(16, run{rle: true, count: 2, values: []int32{999}})[:2], 2, nil},
		{"bad header", 3, []byte{0xff, 0xff}, 1, nil},
		{"width above 32", 33, []byte{2, 0, 0, 0, 0, 0}, 1, nil},
		{"long bit-packed run", 3, encodeRuns(3, run{values: seq(3000, 8)}, run{rle: true, count: 5, values: []int32{2}}),
			3003, append(seq(3000, 8), 2, 2, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hybrid
			got := make([]int32, tt.n)
			err := decodeHybrid(&h, got, tt.src, tt.bitWidth)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("decoded %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if tt.bitWidth > 8 {
				return
			}
			// Levels decode into bytes, bit-packed runs a block at a time.
			levels := make([]uint8, tt.n)
			if err := decodeHybrid(&h, levels, tt.src, tt.bitWidth); err != nil {
				t.Fatal(err)
			}
			for i, v := range levels {
				if int32(v) != tt.want[i] {
					t.Fatalf("byte level %d = %d, want %d", i, v, tt.want[i])
				}
			}
		})
	}
}
