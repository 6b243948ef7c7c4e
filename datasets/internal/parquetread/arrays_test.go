package parquetread

import (
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type flawAt struct {
	row  int
	flaw Flaw
}

func TestCountsFlaws(t *testing.T) {
	mem := memory.DefaultAllocator
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{3, -1, math.MaxInt32 + 1, 0}, nil)
	b.AppendNull()
	arr := b.NewArray()
	defer arr.Release()
	for _, tc := range []struct {
		nullable bool
		want     []flawAt
		last     int32
	}{
		{false, []flawAt{{1, Negative}, {2, OutOfRange}, {4, Null}}, 0},
		{true, []flawAt{{1, Negative}, {2, OutOfRange}}, -7},
	} {
		var got []flawAt
		dst := make([]int32, arr.Len())
		if !Counts(arr, dst, tc.nullable, -7, func(row int, f Flaw) { got = append(got, flawAt{row, f}) }) {
			t.Fatal("int64 counts refused")
		}
		if !slices.Equal(got, tc.want) || dst[0] != 3 || dst[4] != tc.last {
			t.Errorf("nullable %v: flaws %v values %v, want flaws %v and last %d", tc.nullable, got, dst, tc.want, tc.last)
		}
	}
	if Counts(array.NewBoolean(0, nil, nil, 0), nil, false, 0, nil) {
		t.Error("a boolean array decoded as counts")
	}
}

func TestIDsThroughDictionary(t *testing.T) {
	mem := memory.DefaultAllocator
	b := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"b", "a", "b"} {
		b.AppendString(s)
	}
	b.AppendNull()
	arr := b.NewArray()
	defer arr.Release()
	ids := map[string]int32{}
	var order []string
	intern := func(s string) int32 {
		if i, ok := ids[s]; ok {
			return i
		}
		ids[s] = int32(len(order))
		order = append(order, s)
		return ids[s]
	}
	var r IDRemap
	dst := make([]int32, 4)
	if err := r.IDs(arr, intern, dst); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range dst {
		got = append(got, order[i])
	}
	if !slices.Equal(got, []string{"b", "a", "b", ""}) {
		t.Errorf("ids decode to %q", got)
	}
}
