//go:build race

package prosemirror_test

const raceEnabled = true
