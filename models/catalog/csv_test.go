package catalog

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/zpd-project/zpd/datasets"
)

// loadAssistments2009 is a minimal test-only reader of the ASSISTments 2009
// skill-builder CSV, following the protocol's label mapping: rows sharing
// (user_id, order_id) collapse into one attempt whose skills are the set of
// the rows' skills and whose other fields come from the group's first row.
// It stands in until datasets/assistments provides the importer.
func loadAssistments2009(path string) (*datasets.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	skillCol := "skill_id"
	if _, ok := col[skillCol]; !ok {
		skillCol = "skill_name"
	}
	for _, c := range []string{"order_id", "user_id", "problem_id", "correct", "attempt_count", "hint_count", "hint_total", skillCol} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: missing column %s", path, c)
		}
	}
	type key struct {
		user  string
		order int64
	}
	groups := map[key]*datasets.Attempt{}
	skills := map[key]map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		num := func(name string) (float64, error) {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[name]]), 64)
			if err != nil {
				return 0, fmt.Errorf("%s: line %d: column %s: %w", path, line, name, err)
			}
			return v, nil
		}
		order, err := num("order_id")
		if err != nil {
			return nil, err
		}
		k := key{normID(rec[col["user_id"]]), int64(order)}
		if s := normID(rec[col[skillCol]]); s != "" {
			if skills[k] == nil {
				skills[k] = map[string]bool{}
			}
			skills[k][s] = true
		}
		if groups[k] != nil {
			continue
		}
		var v [4]float64
		for i, name := range []string{"correct", "attempt_count", "hint_count", "hint_total"} {
			if v[i], err = num(name); err != nil {
				return nil, err
			}
		}
		a := datasets.NewAttempt()
		a.Learner, a.Item, a.Seq = k.user, normID(rec[col["problem_id"]]), k.order
		a.Independent = v[0] == 1
		a.Retries, a.HintsUsed, a.HintsAvailable = int32(v[1])-1, int32(v[2]), int32(v[3])
		a.AnswerGiven = v[3] > 0 && v[2] >= v[3]
		a.Supported = !a.AnswerGiven
		if i, ok := col["ms_first_response"]; ok {
			if ms, err := strconv.ParseFloat(rec[i], 64); err == nil {
				a.ResponseMS = ms
			}
		}
		groups[k] = &a
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].user != keys[j].user {
			return keys[i].user < keys[j].user
		}
		return keys[i].order < keys[j].order
	})
	log := datasets.NewLog()
	for _, k := range keys {
		a := groups[k]
		for s := range skills[k] {
			a.Skills = append(a.Skills, s)
		}
		sort.Strings(a.Skills)
		log.Append(a)
	}
	return log, nil
}

// normID turns "14.0" into "14", the decimal form the protocol hashes.
func normID(s string) string {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 && strings.ContainsAny(s, ".") {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}
