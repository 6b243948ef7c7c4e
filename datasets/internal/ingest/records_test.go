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
	}{
		{"keeps and rejects", "id\na\nskip\nb\n", context.Background, nil, 3, map[string]int64{"skipped": 1}, []string{"a", "b"}},
		{"header only", "id\n", context.Background, nil, 0, nil, nil},
		{"take error stops", "id\na\nfail\nb\n", context.Background, bad, 2, nil, []string{"a"}},
		{"cancelled", "id\na\n", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled, 0, nil, nil},
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
			if tt.rejected != nil && (len(sum.RejectedExamples) != 1 || !strings.HasPrefix(sum.RejectedExamples[0], "f.csv:3: skipped")) {
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
		err := NoAttempts("f.csv", &datasets.ImportSummary{RowsRead: tt.read})
		if !errors.Is(err, datasets.ErrNoAttempts) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NoAttempts(%d) = %v, want %q", tt.read, err, tt.want)
		}
	}
}
