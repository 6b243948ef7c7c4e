//go:build !race

package simulate

import "time"

// stopBound is how soon a cancelled WriteDir must return: the chunk being
// encoded when the cancel comes is finished first.
const stopBound = time.Second
