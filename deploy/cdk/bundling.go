package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Lambda handler strings. The custom runtime ignores the handler, but the
// binary reads it from _HANDLER to pick its mode (cmd/thebrain/run.go):
// "authorizer" answers TOKEN authorizer events, "migrate" applies the
// migrations when invoked, anything else (we use "lambda") serves the API.
const (
	handlerAPI        = "lambda"
	handlerAuthorizer = "authorizer"
	handlerMigrate    = "migrate"
)

// newLambdaCode is the one binary every function runs, as a Lambda asset
// holding `bootstrap` (provided.al2023, arm64). Without -c lambdaAsset it
// is built during synth by goBundler, with the local Go toolchain.
func newLambdaCode(s settings) awslambda.Code {
	if s.LambdaAsset != "" {
		return awslambda.Code_FromAsset(jsii.String(s.LambdaAsset), nil)
	}
	return awslambda.Code_FromAsset(jsii.String(s.RepoRoot), &awss3assets.AssetOptions{
		// The hash of the built binary: a change anywhere that does not
		// change the binary does not redeploy the functions.
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never used: goBundler always answers. CDK requires an image.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.26")),
			Local: &goBundler{repo: s.RepoRoot},
		},
	})
}

// goBundler builds cmd/thebrain for Lambda without Docker.
type goBundler struct{ repo string }

// TryBundle implements awscdk.ILocalBundling.
func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	version := "dev"
	if out, err := exec.Command("git", "-C", b.repo, "describe", "--always", "--dirty").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X main.version="+version,
		"-o", filepath.Join(*outputDir, "bootstrap"), "./cmd/thebrain")
	cmd.Dir = b.repo
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintf(os.Stderr, "thebrain cdk: building the Lambda bootstrap (linux/arm64, %s)\n", version)
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "thebrain cdk: go build failed: %v\n", err)
		return jsii.Bool(false)
	}
	return jsii.Bool(true)
}
