package ingest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/datasets"
)

func TestEachRecord(t *testing.T) {
	bad := errors.New("bad row")
	tests := []struct {
		name     string
		text     string
		ctx      func() context.Context
		wantErr  error
		read     int64
		rejected map[string]int64
		kept     []string
		example  string // the rejected row's example line
	}{
		{"keeps and rejects", "id\na\nskip\nb\n", context.Background, nil, 3, map[string]int64{"skipped": 1}, []string{"a", "b"}, "f.csv:3: skipped"},
		{"header only", "id\n", context.Background, datasets.ErrNoAttempts, 0, nil, nil, ""},
		{"all rejected", "id\nskip\n", context.Background, datasets.ErrNoAttempts, 1, map[string]int64{"skipped": 1}, nil, "f.csv:2: skipped"},
		{"take error stops", "id\na\nfail\nb\n", context.Background, bad, 2, nil, []string{"a"}, ""},
		{"cancelled", "id\na\n", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled, 0, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tt.text), "f.csv", ',', false)
			if _, err := rd.Header(); err != nil {
				t.Fatal(err)
			}
			var sum datasets.ImportSummary
			var kept []string
			err := EachRecord(tt.ctx(), rd, &sum, func(f [][]byte) (string, error) {
				switch v := string(f[0]); v {
				case "skip":
					return "skipped", nil
				case "fail":
					return "", bad
				default:
					kept = append(kept, v)
					return "", nil
				}
			})
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if sum.RowsRead != tt.read || !reflect.DeepEqual(sum.Rejected, tt.rejected) {
				t.Errorf("summary %+v, want %d read, rejected %v", sum, tt.read, tt.rejected)
			}
			if strings.Join(kept, ",") != strings.Join(tt.kept, ",") {
				t.Errorf("kept %q, want %q", kept, tt.kept)
			}
			if tt.example != "" && (len(sum.RejectedExamples) != 1 || sum.RejectedExamples[0] != tt.example) {
				t.Errorf("rejected examples %q, want the file and line", sum.RejectedExamples)
			}
		})
	}
}

func TestNoAttempts(t *testing.T) {
	for _, tt := range []struct {
		read int64
		want string
	}{{0, "f.csv: no attempts: the file holds only a header"}, {7, "all 7 rows rejected"}} {
		err := noAttempts("f.csv", &datasets.ImportSummary{RowsRead: tt.read})
		if !errors.Is(err, datasets.ErrNoAttempts) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("noAttempts(%d) = %v, want %q", tt.read, err, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	need := func(name string, header []string) (int, error) {
		c := NewColumns(header)
		return c.Index("id"), c.Require(name, "id")
	}
	rd, col, err := Open(strings.NewReader("x,id\n1,2\n"), "f.csv", ',', false, need)
	if err != nil || col != 1 {
		t.Fatalf("Open = %d, %v; want column 1", col, err)
	}
	if f, err := rd.Read(); err != nil || string(f[col]) != "2" {
		t.Fatalf("first record %q, %v", f, err)
	}
	if _, _, err := Open(strings.NewReader("x\n1\n"), "f.csv", ',', false, need); err == nil || !strings.Contains(err.Error(), "f.csv") {
		t.Errorf("missing column: err = %v, want one naming f.csv", err)
	}
	if _, _, err := Open(strings.NewReader(""), "f.csv", ',', false, need); err == nil {
		t.Error("empty file: no error")
	}
}
