//go:build race

package main

import "time"

// stopBound is how soon a cancelled command must return. The race detector
// slows the work in flight between two checks of the context several times.
const stopBound = 8 * time.Second
