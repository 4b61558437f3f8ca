//go:build !race

package ydoc_test

const raceEnabled = false
