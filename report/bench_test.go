package report

import (
	"context"
	"io"
	"testing"

	"github.com/zpd-project/zpd/internal/cputime"
)

// BenchmarkReportExcerpt builds and writes the report of the ASSISTments
// 2009 excerpt. "all-families" runs the evaluation protocol for every
// catalog family and elasticity, as zpd report does by default; the
// evaluation dominates. "no-evaluation" is everything else: learner
// posteriors, learning-rate information, figures and HTML.
func BenchmarkReportExcerpt(b *testing.B) {
	e, err := excerptOnce()
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Artifact: e.art, Log: e.log, DataPath: e.path, Validation: e.val}
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"all-families", Options{Seed: 1}},
		{"no-evaluation", Options{Seed: 1, SkipEvaluation: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cpu := cputime.Process().Seconds()
			for b.Loop() {
				r, err := Build(context.Background(), in, bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.WriteHTML(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(e.log.Len())*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
			b.ReportMetric((cputime.Process().Seconds()-cpu)/float64(b.N), "cpu-s/op")
		})
	}
}
