package main

import (
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// runtime is how every mode of the binary is configured on AWS.
//
// Secrets never appear as values: a Lambda gets each secret's ARN in
// THEBRAIN_<NAME>_SECRET_ARN and reads it at cold start (its role may read
// exactly those secrets); a Fargate task gets THEBRAIN_JWT_KEYS and
// THEBRAIN_SECRET_KEY injected by ECS from Secrets Manager at task start.
// The database secret is RDS's JSON (host, port, username, password,
// dbname), which ECS cannot turn into a URL, so every mode, Fargate too,
// gets THEBRAIN_DATABASE_SECRET_ARN and builds THEBRAIN_DATABASE_URL from
// it; likewise THEBRAIN_REDIS_SECRET_ARN puts the AUTH token into
// THEBRAIN_REDIS_URL. The binary reads every *_SECRET_ARN at start-up
// (cmd/thebrain/secrets.go), in every mode.
type runtime struct {
	settings settings
	auth     *auth
	storage  *storage
	queues   *queues
	cache    *cache // nil for target=local
	db       *database
	net      *network // nil for target=local
}

// Setting names the stacks set. They are the binary's settings
// (platform/config; README's table).
const (
	envDatabaseSecretARN  = "THEBRAIN_DATABASE_SECRET_ARN"
	envRedisSecretARN     = "THEBRAIN_REDIS_SECRET_ARN"
	envJWTKeysSecretARN   = "THEBRAIN_JWT_KEYS_SECRET_ARN"
	envSecretKeySecretARN = "THEBRAIN_SECRET_KEY_SECRET_ARN"
	envUploadsBucket      = "THEBRAIN_S3_BUCKET"
)

// env is the plain environment of every mode (no secret values).
func (rt *runtime) env() map[string]*string {
	e := map[string]*string{
		"THEBRAIN_ENV":            jsii.String("production"),
		"THEBRAIN_LOG_FORMAT":     jsii.String("json"),
		"THEBRAIN_AUTO_MIGRATE":   jsii.String("false"), // the migrations function does it
		"THEBRAIN_JOBS_TRANSPORT": jsii.String("sqs"),
		"THEBRAIN_SQS_QUEUE_URL":  rt.queues.jobs.QueueUrl(),
		envDatabaseSecretARN:      rt.db.secret.SecretArn(),
		envUploadsBucket:          rt.storage.bucket.BucketName(),
	}
	if rt.cache != nil {
		e["THEBRAIN_REDIS_URL"] = rt.cache.url
		e[envRedisSecretARN] = rt.cache.token.SecretArn()
		// Aurora: TLS always (the secret gives user, password, host,
		// port and database; this URL only adds the option).
		e["THEBRAIN_DATABASE_URL"] = jsii.String(awsDatabaseURL)
	} else {
		e["THEBRAIN_REDIS_URL"] = jsii.String(rt.settings.LocalRedisURL)
	}
	if len(rt.settings.CORSOrigins) > 0 {
		e["THEBRAIN_CORS_ORIGINS"] = jsii.String(joinComma(rt.settings.CORSOrigins))
	}
	return e
}

// lambdaEnv adds the secret ARNs a Lambda resolves at cold start.
func (rt *runtime) lambdaEnv(extra map[string]string) *map[string]*string {
	e := rt.env()
	for k, v := range extra {
		if v == "" {
			delete(e, k)
		}
	}
	e[envJWTKeysSecretARN] = rt.auth.jwtKeys.SecretArn()
	e[envSecretKeySecretARN] = rt.auth.secretKey.SecretArn()
	for k, v := range extra {
		if v != "" {
			e[k] = jsii.String(v)
		}
	}
	return &e
}

// taskEnv is a Fargate container's plain environment.
func (rt *runtime) taskEnv(extra map[string]string) *map[string]*string {
	e := rt.env()
	for k, v := range extra {
		e[k] = jsii.String(v)
	}
	return &e
}

// taskSecrets are injected by ECS as the settings themselves.
func (rt *runtime) taskSecrets() *map[string]awsecs.Secret {
	return &map[string]awsecs.Secret{
		"THEBRAIN_JWT_KEYS":   awsecs.Secret_FromSecretsManager(rt.auth.jwtKeys, nil),
		"THEBRAIN_SECRET_KEY": awsecs.Secret_FromSecretsManager(rt.auth.secretKey, nil),
	}
}

// awsDatabaseURL is THEBRAIN_DATABASE_URL on AWS: no credentials, no host
// (THEBRAIN_DATABASE_SECRET_ARN has them), only the connection options.
const awsDatabaseURL = "postgres:///?sslmode=require"

// grantSecrets lets a role read the secrets it is named by ARN.
func (rt *runtime) grantSecrets(g awsiam.IGrantable, signing bool) {
	rt.db.secret.GrantRead(g, nil)
	if rt.cache != nil {
		rt.cache.token.GrantRead(g, nil)
	}
	if signing {
		rt.auth.jwtKeys.GrantRead(g, nil)
		rt.auth.secretKey.GrantRead(g, nil)
	}
}

func joinComma(v []string) string { return strings.Join(v, ",") }

func itoa(n int) string { return strconv.Itoa(n) }
