package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// Targets.
const (
	targetAWS   = "aws"   // the whole architecture (the default)
	targetLocal = "local" // only what LocalStack Community runs
)

// settings are the app's context values, read once.
type settings struct {
	// Target is "aws" (default) or "local" (-c target=local).
	Target string
	// RepoRoot is the product's repository: where the Lambda binary is
	// built from and the container image's Dockerfile lives (-c repoRoot=,
	// default ../.. of the working directory).
	RepoRoot string
	// LambdaAsset is a directory holding a built `bootstrap` to deploy as
	// is (-c lambdaAsset=DIR). Empty: build it during synth with the local
	// Go toolchain (linux/arm64, static, -tags lambda.norpc), no Docker.
	LambdaAsset string
	// Image is a container image URI for the Fargate services (-c image=).
	// Empty: the repository's Dockerfile as a CDK image asset, which `cdk
	// deploy` builds with Docker (synth does not need Docker).
	Image string
	// CORSOrigins may PUT to presigned upload URLs and read the API
	// (-c corsOrigins=https://app.example.com,https://...). Empty: "*" on
	// the bucket (presigned URLs carry their own authorisation) and no CORS
	// on the API.
	CORSOrigins []string
	// CertificateARN is an ACM certificate for the collaboration ALB
	// (-c certificateArn=): HTTPS on 443. Empty: HTTP on 80 (put TLS in
	// front of it; browsers need wss:// from an https page).
	CertificateARN string
	// LocalDatabaseHost and LocalRedisURL point the local slice's Lambda at
	// the PostgreSQL and Redis that compose.yaml runs.
	LocalDatabaseHost string
	LocalRedisURL     string
}

// readSettings reads and checks the context.
func readSettings(app awscdk.App) (settings, error) {
	get := func(key, def string) string {
		v := app.Node().TryGetContext(&key)
		if v == nil {
			return def
		}
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
		return def
	}
	s := settings{
		Target:            get("target", targetAWS),
		RepoRoot:          get("repoRoot", ""),
		LambdaAsset:       get("lambdaAsset", ""),
		Image:             get("image", ""),
		CertificateARN:    get("certificateArn", ""),
		LocalDatabaseHost: get("localDatabaseHost", "host.docker.internal"),
		LocalRedisURL:     get("localRedisUrl", "redis://host.docker.internal:6379/0"),
	}
	for _, o := range strings.Split(get("corsOrigins", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			s.CORSOrigins = append(s.CORSOrigins, o)
		}
	}
	if s.Target != targetAWS && s.Target != targetLocal {
		return s, fmt.Errorf("context target=%q: must be aws or local", s.Target)
	}
	if s.RepoRoot == "" {
		wd, err := os.Getwd()
		if err != nil {
			return s, err
		}
		s.RepoRoot = filepath.Join(wd, "..", "..")
	}
	root, err := filepath.Abs(s.RepoRoot)
	if err != nil {
		return s, err
	}
	s.RepoRoot = root
	if _, err := os.Stat(filepath.Join(root, "cmd", "thebrain")); err != nil {
		return s, fmt.Errorf("repoRoot %s: not The Brain's repository (no cmd/thebrain)", root)
	}
	if s.LambdaAsset != "" {
		if _, err := os.Stat(filepath.Join(s.LambdaAsset, "bootstrap")); err != nil {
			return s, errors.New("context lambdaAsset: the directory must hold a built bootstrap")
		}
	}
	return s, nil
}

// describe says what will be synthesised, so nobody mistakes the local
// slice for the architecture.
func (s settings) describe() string {
	if s.Target == targetLocal {
		return "thebrain cdk: target=local: synthesising only the LocalStack Community slice " +
			"(S3, SQS + DLQ, Secrets Manager, Lambda, REST API); no VPC, Aurora, ElastiCache, " +
			"Fargate or ALB (those need LocalStack's paid tiers; see docs/deploy.md)"
	}
	return "thebrain cdk: target=aws: synthesising the whole architecture " +
		"(network, auth, database, cache, storage, worker, api, collab)"
}
