package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/triggers"
	"github.com/aws/jsii-runtime-go"
)

// newMigrations is a Lambda of the same binary in migrate mode and a CDK
// trigger that invokes it, synchronously, whenever its code changes (every
// new binary) and on the first deploy. The deploy fails if the migrations
// fail, before the worker, the API and collab (stacks that depend on this
// one) are updated. The API Lambda never migrates.
//
// target=local has no database in LocalStack: compose.yaml's migrate
// service migrates the PostgreSQL the local slice points at.
func newMigrations(stack awscdk.Stack, rt *runtime, code awslambda.Code) awslambda.Function {
	if rt.settings.Target == targetLocal {
		return nil
	}
	props := &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String(handlerMigrate),
		Code:         code,
		MemorySize:   jsii.Number(512),
		Timeout:      awscdk.Duration_Minutes(jsii.Number(10)),
		Description:  jsii.String("The Brain: thebrain migrate up, run on deploy"),
		// Migrations need neither the queue nor the bucket (and the
		// worker stack, which holds the queue, deploys after this one).
		Environment: rt.lambdaEnv(map[string]string{
			"THEBRAIN_JOBS_TRANSPORT": "postgres", "THEBRAIN_SQS_QUEUE_URL": "", envUploadsBucket: "",
		}),
		LogGroup: awslogs.NewLogGroup(stack, jsii.String("MigrateLogs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}),
	}
	n := rt.net
	props.Vpc = n.vpc
	props.VpcSubnets = appSubnets()
	props.SecurityGroups = &[]awsec2.ISecurityGroup{importSg(stack, "MigrateSg", n.lambda)}
	fn := awslambda.NewFunction(stack, jsii.String("Migrate"), props)
	rt.grantSecrets(fn, true)

	trigger := triggers.NewTrigger(stack, jsii.String("MigrateOnDeploy"), &triggers.TriggerProps{
		Handler:                fn,
		ExecuteOnHandlerChange: jsii.Bool(true),
		InvocationType:         triggers.InvocationType_REQUEST_RESPONSE,
		Timeout:                awscdk.Duration_Minutes(jsii.Number(10)),
	})
	// After the cluster (and its writer) exist.
	trigger.ExecuteAfter(rt.db.cluster)
	return fn
}
