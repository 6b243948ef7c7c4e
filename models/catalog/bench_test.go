package catalog

import (
	"context"
	"testing"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models"
	"github.com/zpd-project/zpd/models/evaluate"
	"github.com/zpd-project/zpd/models/protocol"
)

func fitOptions(family string) models.FitOptions {
	return models.FitOptions{Seed: 1, Params: referenceParams[family]}
}

// BenchmarkEvaluateExcerpt runs the whole protocol (split, fit with the
// reference's fixed hyperparameters, online replay, metrics) for every
// family on the ASSISTments 2009 excerpt.
func BenchmarkEvaluateExcerpt(b *testing.B) {
	log := loadExcerptB(b)
	for b.Loop() {
		if _, err := Evaluate(context.Background(), log, nil, evaluate.Options{Params: referenceParams}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(log.Len()*b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// BenchmarkReplay measures online prediction alone: every learner of the
// excerpt replayed (Predict then Observe per attempt) through each family.
func BenchmarkReplay(b *testing.B) {
	log := loadExcerptB(b)
	train := protocol.Subset(log, func(id string) bool { return protocol.LearnerFold(id) != protocol.TestFold })
	hist := log.Histories()
	for _, f := range All() {
		m, err := f.Fit(context.Background(), train, fitOptions(f.Name()))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(f.Name(), func(b *testing.B) {
			for b.Loop() {
				for _, h := range hist {
					protocol.Replay(m, log, h)
				}
			}
			b.ReportMetric(float64(log.Len()*b.N)/b.Elapsed().Seconds(), "predictions/s")
		})
	}
}

func loadExcerptB(b *testing.B) *datasets.Log {
	b.Helper()
	shareddata.MustPath(b, shareddata.Assistments2009)
	log, err := excerpt()
	if err != nil {
		b.Fatal(err)
	}
	return log
}
