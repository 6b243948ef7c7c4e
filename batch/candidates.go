package batch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/features"
	"github.com/zpd-project/zpd/models/elasticity"
)

// readCandidates reads the candidate items in path and resolves them
// against m. A .parquet file gives them in its item_id column (string);
// any other file is text with one item id per line, where blank lines and
// lines starting with # are skipped. Duplicates and items the model does
// not know are errors naming the line or row. It returns the candidates
// and the file's SHA-256.
func readCandidates(path string, m *elasticity.Model) ([]candidate, string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("candidates: %w", err)
	}
	sum := sha256.Sum256(raw)
	var ids []string
	var where func(i int) string
	if strings.EqualFold(filepath.Ext(path), ".parquet") {
		ids, err = parquetItems(raw)
		where = func(i int) string { return fmt.Sprintf("%s: row %d: column item_id", path, i) }
	} else {
		var lines []int
		ids, lines = textItems(raw)
		where = func(i int) string { return fmt.Sprintf("%s:%d", path, lines[i]) }
	}
	if err != nil {
		return nil, "", fmt.Errorf("candidates %s: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, "", fmt.Errorf("candidates %s: no item ids", path)
	}
	seen := make(map[string]int, len(ids))
	out := make([]candidate, len(ids))
	for i, id := range ids {
		if j, dup := seen[id]; dup {
			return nil, "", fmt.Errorf("%s: item %q repeats %s", where(i), id, where(j))
		}
		seen[id] = i
		idx := m.ItemIndex(id)
		// A file gives ids only: no difficulty or skills to place an
		// unknown item by.
		if _, ok := features.Place(idx, false, nil); !ok {
			return nil, "", fmt.Errorf("%s: item %q is not in the model", where(i), id)
		}
		out[i] = candidate{id: id, index: idx}
	}
	return out, "sha256:" + hex.EncodeToString(sum[:]), nil
}

// textItems returns the ids of a one-id-per-line file and their 1-based
// line numbers.
func textItems(raw []byte) (ids []string, lines []int) {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, len(raw)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids = append(ids, line)
		lines = append(lines, n)
	}
	return ids, lines
}

// parquetItems returns the item_id column of a Parquet file.
func parquetItems(raw []byte) ([]string, error) {
	if err := datasets.CheckParquetFooter(bytes.NewReader(raw), int64(len(raw))); err != nil {
		return nil, err
	}
	pf, err := file.NewParquetReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	leaf := pf.MetaData().Schema.ColumnIndexByName("item_id")
	if leaf < 0 {
		return nil, fmt.Errorf("no item_id column")
	}
	groups := make([]int, pf.NumRowGroups())
	for i := range groups {
		groups[i] = i
	}
	tbl, err := fr.ReadRowGroups(context.Background(), []int{leaf}, groups)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	var ids []string
	for _, c := range tbl.Column(0).Data().Chunks() {
		for i := range c.Len() {
			if c.IsNull(i) {
				return nil, fmt.Errorf("row %d: column item_id: null item id", len(ids))
			}
			v, err := stringAt(c, i)
			if err != nil {
				return nil, err
			}
			ids = append(ids, strings.Clone(v))
		}
	}
	return ids, nil
}

// stringAt returns element i of a string-like column.
func stringAt(a arrow.Array, i int) (string, error) {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Dictionary:
		return stringAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return "", fmt.Errorf("column item_id is %s, want strings", a.DataType())
}
