package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// stageBar shows a stage's progress on w (stderr), so stdout stays clean
// for results and JSON: a bar per stage on a terminal, otherwise (a log
// file, CI) one line as each stage finishes, since a bar's carriage
// returns would garble the file.
type stageBar struct {
	w        io.Writer
	terminal bool
	stage    string
	start    time.Time
	bar      *progressbar.ProgressBar
	done     bool
}

const barSteps = 1000

func newStageBar(w io.Writer) *stageBar { return &stageBar{w: w, terminal: isTerminal(w)} }

// Update is a train.Options.Progress / evaluate.Options.Progress callback.
func (s *stageBar) Update(stage string, done float64) {
	if stage != s.stage {
		s.Finish()
		s.stage, s.start, s.done = stage, time.Now(), false
		if s.terminal {
			s.bar = progressbar.NewOptions(barSteps,
				progressbar.OptionSetWriter(s.w),
				progressbar.OptionSetDescription(stage),
				progressbar.OptionShowElapsedTimeOnFinish(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionOnCompletion(func() { io.WriteString(s.w, "\n") }),
			)
		}
	}
	if s.bar != nil {
		s.bar.Set(int(done * barSteps))
		return
	}
	if done >= 1 && !s.done {
		s.done = true
		fmt.Fprintf(s.w, "%s done (%.1f s)\n", stage, time.Since(s.start).Seconds())
	}
}

// Finish completes the current bar, if any, so what follows starts on a
// line of its own.
func (s *stageBar) Finish() {
	if s.bar != nil && !s.bar.IsFinished() {
		s.bar.Finish()
	}
	s.bar = nil
}
