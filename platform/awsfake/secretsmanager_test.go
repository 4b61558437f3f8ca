package awsfake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/thebrain/thebrain/platform/awsfake"
)

func smClient(f *awsfake.SecretsManager) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           awsfake.Region,
		BaseEndpoint:     aws.String(f.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

func TestSecretsManager(t *testing.T) {
	t.Parallel()
	f := awsfake.NewSecretsManager()
	defer f.Close()
	c := smClient(f)
	ctx := context.Background()

	arn := f.Put("thebrain/db", `{"username":"app","password":"one"}`)
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:000000000000:secret:thebrain/db-") {
		t.Fatalf("ARN %q", arn)
	}
	// By ARN, by partial ARN and by name: the current value.
	for _, id := range []string{arn, arn[:len(arn)-7], "thebrain/db"} {
		out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if aws.ToString(out.SecretString) != `{"username":"app","password":"one"}` || aws.ToString(out.ARN) != arn ||
			len(out.VersionStages) != 1 || out.VersionStages[0] != "AWSCURRENT" || out.CreatedDate == nil {
			t.Fatalf("%s: %+v", id, out)
		}
	}
	// Rotation, by the SDK: the new value is current, the old one previous.
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String(`{"password":"two"}`)}); err != nil {
		t.Fatal(err)
	}
	cur, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil || aws.ToString(cur.SecretString) != `{"password":"two"}` {
		t.Fatalf("current after rotation: %v %v", cur, err)
	}
	prev, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || !strings.Contains(aws.ToString(prev.SecretString), `"one"`) || prev.VersionStages[0] != "AWSPREVIOUS" {
		t.Fatalf("previous: %v %v", prev, err)
	}
	if f.Calls("GetSecretValue") != 5 {
		t.Fatalf("calls = %d", f.Calls("GetSecretValue"))
	}

	// Errors come back as the SDK's typed errors.
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-AbCdEf")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing secret: %v, want ResourceNotFoundException", err)
	}
	f.Deny("thebrain/db")
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("denied: %v", err)
	}
	f.SetDown(true)
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("thebrain/other")})
	var ise *types.InternalServiceError
	if !errors.As(err, &ise) {
		t.Fatalf("down: %v, want InternalServiceError", err)
	}
}
