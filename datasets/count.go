package datasets

// RowCount is what a log's files record about their size before any row
// is read.
type RowCount struct {
	// Rows is the sum of the Parquet files' footer row counts, each
	// checked against its column chunks as every reader checks it.
	Rows int64
	// UncountedBytes is the total size of the Arrow IPC files, whose row
	// counts live in each batch rather than in a footer.
	UncountedBytes int64
}

// CountRows returns the row counts of the log at path (a file, directory
// or Hive tree, walked as Open walks it) without reading any row. A file
// whose footer cannot be true (row counts its column chunks cannot hold,
// chunks outside the file) is an error naming the file, so that a caller
// planning memory from the counts never plans from a hostile claim.
func CountRows(path string) (RowCount, error) {
	files, err := listLog(path)
	if err != nil {
		return RowCount{}, err
	}
	var c RowCount
	for _, f := range files {
		src, err := openSource(f, ReadOptions{})
		if err != nil {
			return RowCount{}, err
		}
		if src.rows >= 0 {
			c.Rows += src.rows
		} else {
			c.UncountedBytes += src.size
		}
		src.close()
	}
	return c, nil
}
