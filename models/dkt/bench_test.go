package dkt

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/datasets/assistments"
	"github.com/zpd-project/zpd/internal/cputime"
	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models/protocol"
)

// BenchmarkEpoch times one training epoch (every window of the training
// learners once: forward, backward, Adam step) at the default settings on
// the ASSISTments 2009 excerpt's training learners, without the
// validation pass.
func BenchmarkEpoch(b *testing.B) {
	shareddata.MustPath(b, shareddata.Assistments2009)
	p, err := shareddata.Path(shareddata.Assistments2009)
	if err != nil {
		b.Fatal(err)
	}
	log, _, err := datasets.ImportLog(context.Background(), assistments.New2009(), p)
	if err != nil {
		b.Fatal(err)
	}
	train := protocol.Subset(log, func(id string) bool { return protocol.LearnerFold(id) != protocol.TestFold })
	cfg := DefaultConfig()
	cfg.Epochs, cfg.ValidationFraction = 1, 0
	v := logVocab(train, cfg.Key)
	s := v.encode(train)
	all := make([]int, s.learners())
	for u := range all {
		all[u] = u
	}
	w := newWeights(v.numKeys(), v.numSkills(), cfg.Embedding, cfg.Hidden)
	rng := rand.New(rand.NewPCG(1, 2))
	w.init(rng)
	cpu := cputime.Process().Seconds()
	for b.Loop() {
		if _, _, err := trainNet(context.Background(), w, s, all, nil, cfg, rng, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(train.Len())*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	b.ReportMetric((cputime.Process().Seconds()-cpu)/float64(b.N), "cpu-s/op")
}
