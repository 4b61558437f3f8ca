package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// database is where the PostgreSQL credentials live: a Secrets Manager
// secret in RDS's JSON shape (engine, host, port, username, password,
// dbname), named to the app by THEBRAIN_DATABASE_SECRET_ARN.
type database struct {
	secret  awssecretsmanager.ISecret
	cluster awsrds.DatabaseCluster // nil for target=local
}

func newDatabase(stack awscdk.Stack, n *network, s settings) *database {
	if s.Target == targetLocal {
		// LocalStack Community has no RDS: the Lambda reaches the
		// PostgreSQL compose.yaml runs. This secret holds compose's
		// development password (the only credential in a local template;
		// never used anywhere else).
		secret := awssecretsmanager.NewSecret(stack, jsii.String("DatabaseSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("compose.yaml's development PostgreSQL (LocalStack only)"),
			SecretObjectValue: &map[string]awscdk.SecretValue{
				"engine":   awscdk.SecretValue_UnsafePlainText(jsii.String("postgres")),
				"host":     awscdk.SecretValue_UnsafePlainText(jsii.String(s.LocalDatabaseHost)),
				"port":     awscdk.SecretValue_UnsafePlainText(jsii.String("5432")),
				"username": awscdk.SecretValue_UnsafePlainText(jsii.String("thebrain")),
				"password": awscdk.SecretValue_UnsafePlainText(jsii.String(localDatabasePassword)),
				"dbname":   awscdk.SecretValue_UnsafePlainText(jsii.String("thebrain")),
			},
		})
		return &database{secret: secret}
	}

	// Aurora Serverless v2, one writer, scaling to zero ACUs when idle (it
	// pauses after 5 idle minutes; the first query after a pause waits
	// ~15 s for it to resume). Credentials are generated into a secret with
	// the host and port attached.
	cluster := awsrds.NewDatabaseCluster(stack, jsii.String("Aurora"), &awsrds.DatabaseClusterProps{
		Engine: awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
			Version: awsrds.AuroraPostgresEngineVersion_VER_16_9(),
		}),
		Writer:                  awsrds.ClusterInstance_ServerlessV2(jsii.String("writer"), &awsrds.ServerlessV2ClusterInstanceProps{PubliclyAccessible: jsii.Bool(false)}),
		ServerlessV2MinCapacity: jsii.Number(0),
		ServerlessV2MaxCapacity: jsii.Number(4),
		Credentials:             awsrds.Credentials_FromGeneratedSecret(jsii.String("thebrain"), nil),
		DefaultDatabaseName:     jsii.String("thebrain"),
		Vpc:                     n.vpc,
		VpcSubnets:              dataSubnets(),
		SecurityGroups:          &[]awsec2.ISecurityGroup{importSg(stack, "DatabaseSg", n.database)},
		StorageEncrypted:        jsii.Bool(true),
		Backup:                  &awsrds.BackupProps{Retention: awscdk.Duration_Days(jsii.Number(7))},
		DeletionProtection:      jsii.Bool(true),
		RemovalPolicy:           awscdk.RemovalPolicy_SNAPSHOT,
		CopyTagsToSnapshot:      jsii.Bool(true),
	})
	return &database{secret: cluster.Secret(), cluster: cluster}
}

// localDatabasePassword is compose.yaml's POSTGRES_PASSWORD.
const localDatabasePassword = "thebrain"
