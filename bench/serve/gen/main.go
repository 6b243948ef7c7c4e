// Command gen writes what bench/serve/load.sh needs: an elasticity model
// artifact of a given size with parameters drawn around the values fits
// give (fitting a 10,000-item model would take minutes and measure
// nothing more), and request bodies of the reference shape for
// /v1/score, /v1/score/batch (also batch-short.json: 10 attempts and no
// candidates per learner) and /v2/models/zpd/infer.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/atomicfile"
	"github.com/zpd-project/zpd/models/artifact"
	"github.com/zpd-project/zpd/models/elasticity"
)

func main() {
	out := flag.String("out", "bench-serve", "output directory")
	items := flag.Int("items", 10000, "items in the model")
	skills := flag.Int("skills", 100, "skills in the model")
	attempts := flag.Int("attempts", 50, "attempts per learner in the requests")
	candidates := flag.Int("candidates", 20, "candidates per learner in the requests")
	batch := flag.Int("batch", 1000, "learners per batch request")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*out, *items, *skills, *attempts, *candidates, *batch, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, items, skills, attempts, candidates, batch int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	p := params(rng, items, skills)
	m, err := elasticity.NewModel(p)
	if err != nil {
		return err
	}
	md := artifact.Metadata{SchemaVersion: datasets.SchemaVersion, BuildVersion: "bench", CreatedAt: time.Now().UTC()}
	if err := artifact.Save(filepath.Join(out, "model"), m, md, "synthetic benchmark model\n"); err != nil {
		return err
	}
	one := learner(rng, p, "u0", attempts, candidates)
	var many, short []map[string]any
	for i := range batch {
		many = append(many, learner(rng, p, "u"+strconv.Itoa(i), attempts, candidates))
		short = append(short, learner(rng, p, "s"+strconv.Itoa(i), 10, 0))
	}
	bodies := map[string]any{
		"single.json": one,
		"batch.json":  map[string]any{"learners": many},
		// Nightly re-scoring: recent history only, no candidates.
		"batch-short.json": map[string]any{"learners": short},
		"infer.json":       infer(many),
	}
	for name, v := range bodies {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(out, name), b); err != nil {
			return err
		}
	}
	return nil
}

// params draws a model: item difficulties around skill means, support
// effects, small learning rates, as fits on simulated logs give.
func params(rng *rand.Rand, items, skills int) *elasticity.Params {
	p := &elasticity.Params{
		Format: elasticity.FormatName, Version: elasticity.FormatVersion, Config: elasticity.DefaultConfig(),
		Mean: [2]float64{0, 1}, Cov: [2][2]float64{{1, 0.15}, {0.15, 0.25}}, ItemSD: 0.5, SupportSD: 0.3,
	}
	for i := range p.Rates {
		p.Rates[i] = 0.05 * rng.NormFloat64()
	}
	for k := range skills {
		p.Skills = append(p.Skills, "skill-"+strconv.Itoa(k))
		p.SkillDifficulty = append(p.SkillDifficulty, rng.NormFloat64())
		p.SkillSupport = append(p.SkillSupport, 0.2*rng.NormFloat64())
		r := p.Rates
		for i := range r {
			r[i] = 0.02 * rng.NormFloat64()
		}
		p.SkillRates = append(p.SkillRates, r)
	}
	p.ItemSkillStart = []int32{0}
	for j := range items {
		p.Items = append(p.Items, "item-"+strconv.Itoa(j))
		k := rng.IntN(skills)
		p.ItemSkills = append(p.ItemSkills, int32(k))
		if rng.Float64() < 0.3 {
			p.ItemSkills = append(p.ItemSkills, int32((k+1)%skills))
		}
		p.ItemSkillStart = append(p.ItemSkillStart, int32(len(p.ItemSkills)))
		p.Difficulty = append(p.Difficulty, p.SkillDifficulty[k]+0.5*rng.NormFloat64())
		p.SupportEffect = append(p.SupportEffect, 0.3*rng.NormFloat64())
	}
	return p
}

// learner is one learner's request with the log schema's fields.
func learner(rng *rand.Rand, p *elasticity.Params, id string, attempts, candidates int) map[string]any {
	var atts, cands []map[string]any
	for t := range attempts {
		j := rng.IntN(len(p.Items))
		var skills []string
		for _, k := range p.ItemSkills[p.ItemSkillStart[j]:p.ItemSkillStart[j+1]] {
			skills = append(skills, p.Skills[k])
		}
		ind := rng.Float64() < 0.6
		atts = append(atts, map[string]any{
			"item_id": p.Items[j], "skill_ids": skills, "seq": t,
			"timestamp":           time.Date(2024, 3, 1, 9, 0, t, 0, time.UTC).Format(time.RFC3339),
			"correct_independent": ind, "correct_supported": ind || rng.Float64() < 0.6,
			"hints_used": rng.IntN(3), "retries": 0,
		})
	}
	for range candidates {
		cands = append(cands, map[string]any{"item_id": p.Items[rng.IntN(len(p.Items))]})
	}
	return map[string]any{"learner_id": id, "attempts": atts, "candidates": cands}
}

// infer turns learners into KServe v2 tensors.
func infer(learners []map[string]any) map[string]any {
	var items, cands []string
	var ind, sup []bool
	var counts, candCounts []int
	for _, l := range learners {
		atts := l["attempts"].([]map[string]any)
		for _, a := range atts {
			items = append(items, a["item_id"].(string))
			ind = append(ind, a["correct_independent"].(bool))
			sup = append(sup, a["correct_supported"].(bool))
		}
		cs := l["candidates"].([]map[string]any)
		for _, c := range cs {
			cands = append(cands, c["item_id"].(string))
		}
		counts = append(counts, len(atts))
		candCounts = append(candCounts, len(cs))
	}
	tensor := func(name, dt string, data any, n int) map[string]any {
		return map[string]any{"name": name, "datatype": dt, "shape": []int{n}, "data": data}
	}
	return map[string]any{"inputs": []any{
		tensor("item_id", "BYTES", items, len(items)),
		tensor("correct_independent", "BOOL", ind, len(ind)),
		tensor("correct_supported", "BOOL", sup, len(sup)),
		tensor("attempt_count", "INT32", counts, len(counts)),
		tensor("candidate_item_id", "BYTES", cands, len(cands)),
		tensor("candidate_count", "INT32", candCounts, len(candCounts)),
	}}
}
