//go:build race

package ydoc_test

const raceEnabled = true
