package main

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// stageBar draws one progress bar per stage on w (stderr), so stdout stays
// clean for results and JSON.
type stageBar struct {
	w     io.Writer
	stage string
	bar   *progressbar.ProgressBar
}

const barSteps = 1000

func newStageBar(w io.Writer) *stageBar { return &stageBar{w: w} }

// Update is a train.Options.Progress / evaluate.Options.Progress callback.
func (s *stageBar) Update(stage string, done float64) {
	if stage != s.stage || s.bar == nil {
		s.Finish()
		s.stage = stage
		s.bar = progressbar.NewOptions(barSteps,
			progressbar.OptionSetWriter(s.w),
			progressbar.OptionSetDescription(stage),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { io.WriteString(s.w, "\n") }),
		)
	}
	s.bar.Set(int(done * barSteps))
}

// Finish completes the current bar, if any.
func (s *stageBar) Finish() {
	if s.bar != nil && !s.bar.IsFinished() {
		s.bar.Finish()
	}
}
