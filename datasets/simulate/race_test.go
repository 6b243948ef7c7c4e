//go:build race

package simulate

import "time"

// stopBound is how soon a cancelled WriteDir must return. The race detector
// slows encoding the chunk in flight (2^18 attempts) several times over.
const stopBound = 8 * time.Second
