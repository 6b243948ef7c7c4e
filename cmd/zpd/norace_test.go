//go:build !race

package main

import "time"

// stopBound is how soon a cancelled command must return.
const stopBound = time.Second
