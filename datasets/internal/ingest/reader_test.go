package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// readAll returns every record as strings, or the first error.
func readAll(t *testing.T, text string, sep byte, quotes bool) ([]string, [][]string, error) {
	t.Helper()
	rd := NewReader(strings.NewReader(text), "f.csv", sep, quotes)
	header, err := rd.Header()
	if err != nil {
		return nil, nil, err
	}
	var recs [][]string
	for {
		f, err := rd.Read()
		if err == io.EOF {
			return header, recs, nil
		}
		if err != nil {
			return header, recs, err
		}
		var rec []string
		for _, b := range f {
			rec = append(rec, string(b))
		}
		recs = append(recs, rec)
	}
}

func TestReaderRecords(t *testing.T) {
	tests := []struct {
		name, text string
		sep        byte
		quotes     bool
		header     string
		recs       []string // fields joined by "|"
	}{
		{"plain", "a,b\n1,2\n3,4\n", ',', true, "a|b", []string{"1|2", "3|4"}},
		{"no final newline", "a,b\n1,2", ',', true, "a|b", []string{"1|2"}},
		{"crlf and blank lines", "a,b\r\n\r\n1,2\r\n\n3,4\r\n", ',', true, "a|b", []string{"1|2", "3|4"}},
		{"bom and spaced header", "\xef\xbb\xbf a , b\n1,2\n", ',', true, "a|b", []string{"1|2"}},
		{"empty fields", "a,b,c\n,,\n", ',', true, "a|b|c", []string{"||"}},
		{"quoted separator", "a,b\n\"x,y\",2\n", ',', true, "a|b", []string{"x,y|2"}},
		{"escaped quote", "a,b\n\"say \"\"hi\"\"\",2\n", ',', true, "a|b", []string{"say \"hi\"|2"}},
		{"quoted newline", "a,b\n\"line1\nline2\",2\n3,4\n", ',', true, "a|b", []string{"line1\nline2|2", "3|4"}},
		{"quoted last field empty", "a,b\n1,\"\"\n", ',', true, "a|b", []string{"1|"}},
		{"text after closing quote kept", "a,b\n\"x\"y,2\n", ',', true, "a|b", []string{"xy|2"}},
		{"quote inside unquoted field", "a,b\nx\"y,2\n", ',', true, "a|b", []string{"x\"y|2"}},
		{"tsv quotes are text", "a\tb\n\"to\"\t2\n", '\t', false, "a|b", []string{"\"to\"|2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, recs, err := readAll(t, tt.text, tt.sep, tt.quotes)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(header, "|"); got != tt.header {
				t.Errorf("header %q, want %q", got, tt.header)
			}
			if len(recs) != len(tt.recs) {
				t.Fatalf("%d records, want %d: %q", len(recs), len(tt.recs), recs)
			}
			for i, r := range recs {
				if got := strings.Join(r, "|"); got != tt.recs[i] {
					t.Errorf("record %d = %q, want %q", i, got, tt.recs[i])
				}
			}
		})
	}
}

func TestReaderLineNumbers(t *testing.T) {
	rd := NewReader(strings.NewReader("a,b\n\n1,\"x\ny\"\n2,3\n"), "f.csv", ',', true)
	if _, err := rd.Header(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int64{3, 5} {
		if _, err := rd.Read(); err != nil {
			t.Fatal(err)
		}
		if rd.Line() != want {
			t.Errorf("record starts on line %d, want %d", rd.Line(), want)
		}
	}
}

func TestReaderRecordJoinsFields(t *testing.T) {
	rd := NewReader(strings.NewReader("a,b\n\"x\",y\nx,y\n"), "f.csv", ',', true)
	if _, err := rd.Header(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := rd.Read(); err != nil {
			t.Fatal(err)
		}
		if got := string(rd.Record()); got != "x,y" {
			t.Errorf("Record() = %q, want %q", got, "x,y")
		}
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       string // substring of the error
	}{
		{"empty", "", "f.csv: empty file"},
		{"binary header", "PK\x03\x04\x00\x00,x\n", "f.csv:1: binary data"},
		{"gzip", "\x1f\x8b\x08\x00rest", "f.csv:1: gzip-compressed"},
		{"header not utf8", "a,\xff\xfe\n", "f.csv:1: header is not UTF-8"},
		{"binary row", "a,b\n1,2\n3,\x00\n", "f.csv:3: binary data"},
		{"short row", "a,b,c\n1,2,3\n4,5\n", "f.csv:3: 2 fields, header has 3"},
		{"long row", "a,b\n1,2,3\n", "f.csv:2: 3 fields, header has 2"},
		{"unterminated quote", "a,b\n1,2\n3,\"open\nstill open\n", "f.csv:3: unterminated quoted field"},
		{"line too long", "a,b\n" + strings.Repeat("x", DefaultMaxRecordBytes+10), "f.csv:2: line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.text, ',', true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, _, err := readAll(t, "", ',', true); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty file: %v, want ErrEmpty", err)
	}
}

// TestReaderQuotedAfterPlainAcrossBuffers reads many plain and quoted records
// alternating, more than the bufio buffer holds, so that a quoted record's
// scratch space cannot alias the buffer a plain record was read from.
func TestReaderQuotedAfterPlainAcrossBuffers(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	const n = 20000
	for i := range n {
		if i%2 == 0 {
			b.WriteString("plain,1\n")
		} else {
			b.WriteString("\"quo,ted\",2\n")
		}
	}
	_, recs, err := readAll(t, b.String(), ',', true)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		want := "plain|1"
		if i%2 == 1 {
			want = "quo,ted|2"
		}
		if got := strings.Join(r, "|"); got != want {
			t.Fatalf("record %d = %q, want %q", i, got, want)
		}
	}
}
