package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"
)

// auth holds the secrets every mode needs besides the database's. Each
// secret's string is exactly the value of the setting it stands for, so a
// Lambda reads it by ARN (THEBRAIN_<NAME>_SECRET_ARN) and ECS injects it
// as the setting itself.
type auth struct {
	jwtKeys   awssecretsmanager.Secret // THEBRAIN_JWT_KEYS: kid:base64-seed[,...]
	secretKey awssecretsmanager.Secret // THEBRAIN_SECRET_KEY: base64, 32+ bytes
}

// initialKeyJS writes a fresh Ed25519 seed into the signing-key secret when
// the stack is created, in THEBRAIN_JWT_KEYS's kid:base64-seed form (Secrets
// Manager's generator cannot make that shape). Updates and deletes leave
// the secret alone: rotation is an operator's step (docs/deploy.md). The
// key is made and stored inside AWS; it is never in a template or a log.
const initialKeyJS = `
const { SecretsManagerClient, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { randomBytes } = require('crypto');
exports.handler = async (event) => {
  const id = event.ResourceProperties.SecretId;
  if (event.RequestType !== 'Create') return { PhysicalResourceId: event.PhysicalResourceId };
  const kid = 'k' + new Date().toISOString().slice(0, 10).replace(/-/g, '');
  await new SecretsManagerClient({}).send(new PutSecretValueCommand({
    SecretId: id, SecretString: kid + ':' + randomBytes(32).toString('base64'),
  }));
  return { PhysicalResourceId: id + '#initial-key' };
};
`

func newAuth(stack awscdk.Stack) *auth {
	a := &auth{}
	// The cursor key: 64 letters and digits are valid base64 of 48 bytes,
	// so Secrets Manager can generate it directly (~380 bits).
	a.secretKey = awssecretsmanager.NewSecret(stack, jsii.String("SecretKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("THEBRAIN_SECRET_KEY: base64 key for signed cursors"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The signing keys: created with a throw-away generated value, then
	// replaced once by initialKeyJS with a real kid:seed.
	a.jwtKeys = awssecretsmanager.NewSecret(stack, jsii.String("JwtKeys"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("THEBRAIN_JWT_KEYS: Ed25519 signing keys as kid:base64-seed, comma-separated; the first signs"),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	onEvent := awslambda.NewFunction(stack, jsii.String("InitialKeyFn"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_NODEJS_22_X(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(initialKeyJS)),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(30)),
		Description:  jsii.String("Writes the first signing key into the JWT keys secret"),
		LogGroup: awslogs.NewLogGroup(stack, jsii.String("InitialKeyLogs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}),
	})
	onEvent.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:PutSecretValue"),
		Resources: jsii.Strings(*a.jwtKeys.SecretArn()),
	}))
	provider := customresources.NewProvider(stack, jsii.String("InitialKeyProvider"), &customresources.ProviderProps{
		OnEventHandler: onEvent,
	})
	awscdk.NewCustomResource(stack, jsii.String("InitialKey"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		Properties:   &map[string]interface{}{"SecretId": a.jwtKeys.SecretArn()},
		ResourceType: jsii.String("Custom::TheBrainInitialSigningKey"),
	})
	return a
}
