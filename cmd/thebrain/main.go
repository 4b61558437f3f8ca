// Command thebrain is The Brain's one binary: the API server, the database
// migrator and, on AWS, the Lambda handler. See `thebrain help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// processStart is when main's package was initialised, after every
// package it imports: the start of the work the binary itself does.
var processStart = time.Now()

func main() {
	err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "thebrain: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}
