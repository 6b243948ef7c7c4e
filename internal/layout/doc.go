// Package layout holds no code: its test checks the package graph of the
// module against the project's layout (data flows datasets → features →
// models → train/serve/batch; no sideways arrows).
package layout
