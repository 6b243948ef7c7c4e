// Command targets writes vegeta's JSON target lines for
// bench/serve/learners.sh's open-loop runs: each line posts one new
// attempt (a fresh event id, no seq) for the next of -learners seeded
// learners (b0 ... bN, round robin) at a random item, with the candidates
// of -body's learner, to POST /v1/learners/{id}/attempts. It is what
// learners.lua sends under wrk, as a file, so a constant-rate generator
// can replay it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

// target is one line of vegeta's JSON target format; Body is base64 in
// JSON because it is []byte.
type target struct {
	Method string              `json:"method"`
	URL    string              `json:"url"`
	Body   []byte              `json:"body"`
	Header map[string][]string `json:"header"`
}

// attempt is the posted attempt: the log schema's fields the route needs.
type attempt struct {
	EventID     string `json:"event_id"`
	ItemID      string `json:"item_id"`
	Independent bool   `json:"correct_independent"`
	Supported   bool   `json:"correct_supported"`
}

func main() {
	body := flag.String("body", "", "a /v1/score request whose candidates every post carries (bench/serve/gen's single.json)")
	url := flag.String("url", "http://127.0.0.1:18090", "the server")
	key := flag.String("key", "bench-key", "API key")
	n := flag.Int("n", 100000, "targets to write")
	learners := flag.Int("learners", 10000, "seeded learners")
	items := flag.Int("items", 10000, "items in the model")
	run := flag.String("run", "v", "event id prefix, unique per run")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(*body, *url, *key, *run, *n, *learners, *items, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "targets:", err)
		os.Exit(1)
	}
}

func write(bodyPath, url, key, run string, n, learners, items int, seed uint64) error {
	raw, err := os.ReadFile(bodyPath)
	if err != nil {
		return err
	}
	var req struct {
		Candidates json.RawMessage `json:"candidates"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return fmt.Errorf("%s: %w", bodyPath, err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	header := map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + key}}
	for i := range n {
		ind := rng.Float64() < 0.6
		post, err := json.Marshal(struct {
			Attempts   []attempt       `json:"attempts"`
			Candidates json.RawMessage `json:"candidates"`
		}{[]attempt{{fmt.Sprintf("%s-%d", run, i), fmt.Sprintf("item-%d", rng.IntN(items)), ind, ind || rng.Float64() < 0.6}}, req.Candidates})
		if err != nil {
			return err
		}
		t := target{"POST", fmt.Sprintf("%s/v1/learners/b%d/attempts", url, i%learners), post, header}
		if err := enc.Encode(t); err != nil {
			return err
		}
	}
	return w.Flush()
}
