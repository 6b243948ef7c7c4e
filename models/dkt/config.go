package dkt

import (
	"fmt"
	"math"

	"github.com/go-viper/mapstructure/v2"
)

// Input keys: what an attempt is encoded by in the network's input.
const (
	KeySkill = "skill" // the attempt's skills (the skill rule of package features)
	KeyItem  = "item"  // the attempt's item
)

// Config holds the dkt family's settings. FitOptions.Params keys are the
// json tags; docs/models-dkt.md lists them with their meaning.
type Config struct {
	// Key is what the input one-hot is over, crossed with the outcome:
	// "skill" (default) or "item". The outputs are always per skill.
	Key string `json:"key"`
	// Embedding is the size of the input embedding.
	Embedding int `json:"embedding"`
	// Hidden is the size of the GRU's state.
	Hidden int `json:"hidden"`
	// Dropout is the probability of zeroing a state unit on its way to the
	// output heads while training (inverted dropout; none at prediction).
	Dropout float64 `json:"dropout"`
	// Epochs caps the passes over the training windows.
	Epochs int `json:"epochs"`
	// Patience is how many epochs without a lower validation loss end
	// training; the weights of the best epoch are kept.
	Patience int `json:"patience"`
	// LearningRate is Adam's step size.
	LearningRate float64 `json:"learning_rate"`
	// L2 is the weight decay Adam adds to every gradient (l2·w).
	L2 float64 `json:"l2"`
	// BatchSize is the number of windows per minibatch.
	BatchSize int `json:"batch_size"`
	// Window is the longest stretch of a learner's attempts trained as one
	// sequence; longer histories are cut into consecutive windows, each
	// starting from the empty state (no state is carried across windows).
	Window int `json:"window"`
	// ValidationFraction of the training learners (drawn by the seed) is
	// held out for early stopping; 0 trains Epochs epochs without it.
	ValidationFraction float64 `json:"validation_fraction"`
}

// DefaultConfig returns the settings used when FitOptions.Params is empty:
// those with the lowest validation loss (held-out training learners, seed
// 1) among the probes on the ASSISTments 2009 excerpt recorded in
// docs/models-dkt.md.
func DefaultConfig() Config {
	return Config{
		Key:                KeySkill,
		Embedding:          32,
		Hidden:             32,
		Dropout:            0.2,
		Epochs:             30,
		Patience:           5,
		LearningRate:       0.003,
		L2:                 0,
		BatchSize:          4,
		Window:             50,
		ValidationFraction: 0.2,
	}
}

// ParseConfig decodes FitOptions.Params over DefaultConfig. Unknown keys and
// values of the wrong type are errors, so a typo in a config file is caught.
func ParseConfig(params map[string]any) (Config, error) {
	c := DefaultConfig()
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           &c,
		TagName:          "json",
		WeaklyTypedInput: true, // YAML scalars and env vars arrive as strings
		ErrorUnused:      true,
	})
	if err != nil {
		return c, err
	}
	if err := dec.Decode(params); err != nil {
		return c, fmt.Errorf("dkt config: %w", err)
	}
	return c, c.Validate()
}

// Validate reports settings outside their domain.
func (c *Config) Validate() error {
	switch {
	case c.Key != KeySkill && c.Key != KeyItem:
		return fmt.Errorf("dkt config: key %q: want %q or %q", c.Key, KeySkill, KeyItem)
	case c.Embedding < 1 || c.Hidden < 1:
		return fmt.Errorf("dkt config: embedding and hidden must be ≥ 1, got %d and %d", c.Embedding, c.Hidden)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("dkt config: dropout %v not in [0,1)", c.Dropout)
	case c.Epochs < 1 || c.Patience < 1:
		return fmt.Errorf("dkt config: epochs and patience must be ≥ 1, got %d and %d", c.Epochs, c.Patience)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("dkt config: learning_rate %v must be > 0", c.LearningRate)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return fmt.Errorf("dkt config: l2 %v must be ≥ 0", c.L2)
	case c.BatchSize < 1:
		return fmt.Errorf("dkt config: batch_size must be ≥ 1, got %d", c.BatchSize)
	case c.Window < 2:
		return fmt.Errorf("dkt config: window must be ≥ 2, got %d", c.Window)
	case !(c.ValidationFraction >= 0 && c.ValidationFraction < 1):
		return fmt.Errorf("dkt config: validation_fraction %v not in [0,1)", c.ValidationFraction)
	}
	return nil
}
