// Command gen writes the Parquet fixtures beside it with parquet-go, a
// writer independent of arrow-go, for datasets' TestForeignWriterFiles:
//
//	cd datasets/testdata/parquetgo/gen && go run . && mv *.parquet ..
//
// It is a module of its own so that parquet-go stays out of zpd's go.mod.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

type dictRow struct {
	LearnerID          string     `parquet:"learner_id,dict"`
	ItemID             string     `parquet:"item_id,dict"`
	SkillIDs           []string   `parquet:"skill_ids,list,dict"`
	Seq                int64      `parquet:"seq"`
	Timestamp          *time.Time `parquet:"timestamp,optional,timestamp(millisecond)"`
	CorrectIndependent bool       `parquet:"correct_independent"`
	CorrectSupported   bool       `parquet:"correct_supported"`
	HintsUsed          int32      `parquet:"hints_used"`
	HintsAvailable     *int32     `parquet:"hints_available,optional"`
	Retries            int32      `parquet:"retries"`
	GroupSchool        *string    `parquet:"group_school,optional,dict"`
}

type plainRow struct {
	LearnerID          string   `parquet:"learner_id"`
	ItemID             string   `parquet:"item_id"`
	SkillIDs           []string `parquet:"skill_ids"`
	Seq                int64    `parquet:"seq"`
	CorrectIndependent bool     `parquet:"correct_independent"`
	CorrectSupported   bool     `parquet:"correct_supported"`
	GroupSchool        *string  `parquet:"group_school,optional"`
}

func main() {
	rng := rand.New(rand.NewPCG(42, 7))
	var dict []dictRow
	var plain []plainRow
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		learner := fmt.Sprintf("L%03d", i/40)
		item := rng.IntN(300)
		var skills []string
		for k := 0; k < item%4; k++ {
			skills = append(skills, fmt.Sprintf("skill-%d", (item*7+k)%50))
		}
		indep := rng.IntN(2) == 0
		var ts *time.Time
		if i%9 != 0 {
			t := t0.Add(time.Duration(i) * time.Minute)
			ts = &t
		}
		var avail *int32
		if item%3 != 0 {
			v := int32(item % 5)
			avail = &v
		}
		var hints int32
		if !indep && avail != nil {
			hints = min(int32(rng.IntN(3)), *avail)
		}
		var school *string
		if (i/40)%5 != 0 {
			s := fmt.Sprintf("school-%d", (i/40)%3)
			school = &s
		}
		dict = append(dict, dictRow{learner, fmt.Sprintf("item-%d", item), skills, int64(i%40 + 1), ts, indep, true, hints, avail, 0, school})
		plain = append(plain, plainRow{learner, fmt.Sprintf("item-%d", item), skills, int64(i%40 + 1), indep, true, school})
	}
	write("parquet-go-dict.parquet", dict, parquet.Compression(&zstd.Codec{}), parquet.PageBufferSize(4096), parquet.MaxRowsPerRowGroup(1000))
	write("parquet-go-plain.parquet", plain, parquet.Compression(&zstd.Codec{}), parquet.MaxRowsPerRowGroup(1200))
}

func write[T any](path string, rows []T, opts ...parquet.WriterOption) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
