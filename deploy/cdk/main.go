// Command cdk is The Brain's AWS infrastructure as a CDK app in Go. It is its
// own Go module, so the product's module never depends on the CDK.
//
//	CDK_OUTDIR=cdk.out go run .                                   # synthesise, no CLI (target=aws)
//	CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"target":"local"}' go run .
//	npx cdk synth -c target=local                                 # the same through the CLI
//	npx cdk deploy --all                                          # docs/deploy.md
//
// Context keys: see readSettings. cdk.json's context (the feature flags)
// applies with and without the CLI.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	app, err := newApp(nil)
	if err == nil {
		var s settings
		if s, err = readSettings(app); err == nil {
			fmt.Fprintln(os.Stderr, s.describe())
			build(app, s)
			app.Synth(nil)
		}
	}
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "thebrain cdk:", err)
		os.Exit(2)
	}
}

// newApp is an App with cdk.json's context (the CLI passes it too; `go
// run .` alone would not) under extra and CDK_CONTEXT_JSON, which win.
func newApp(extra map[string]any) (awscdk.App, error) {
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	ctx := doc.Context
	for k, v := range extra {
		ctx[k] = v
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx}), nil
}
