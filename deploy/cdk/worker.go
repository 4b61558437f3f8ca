package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecspatterns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// maxReceiveCount is the jobs queue's redrive: the third receive of a
// message that keeps failing is its last (docs/jobs.md).
const maxReceiveCount = 3

type queues struct {
	jobs, dead awssqs.Queue
}

func newQueues(stack awscdk.Stack) *queues {
	q := &queues{}
	q.dead = awssqs.NewQueue(stack, jsii.String("JobsDeadLetter"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	q.jobs = awssqs.NewQueue(stack, jsii.String("Jobs"), &awssqs.QueueProps{
		// The worker sets each message's visibility per receive (lease +
		// 15 s) and extends it while the job runs; this is the fallback.
		VisibilityTimeout:      awscdk.Duration_Seconds(jsii.Number(60)),
		ReceiveMessageWaitTime: awscdk.Duration_Seconds(jsii.Number(20)),
		RetentionPeriod:        awscdk.Duration_Days(jsii.Number(4)),
		Encryption:             awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		DeadLetterQueue:        &awssqs.DeadLetterQueue{Queue: q.dead, MaxReceiveCount: jsii.Number(maxReceiveCount)},
	})
	return q
}

// containerImage is the Fargate services' image: -c image=URI, or the
// repository's Dockerfile built for arm64 by `cdk deploy` (Docker needed
// there, not for synth).
func containerImage(s settings) awsecs.ContainerImage {
	if s.Image != "" {
		return awsecs.ContainerImage_FromRegistry(jsii.String(s.Image), nil)
	}
	return awsecs.ContainerImage_FromAsset(jsii.String(s.RepoRoot), &awsecs.AssetImageProps{
		Platform: awsecrassets.Platform_LINUX_ARM64(),
		Exclude:  jsii.Strings(".git", ".thebrain", "bin", "build", "**/node_modules", "deploy/cdk/cdk.out", "**/cdk.out"),
	})
}

// healthCheck is a container health check that works in the distroless
// image: the binary's own healthcheck subcommand (no shell, no curl).
func healthCheck(port int) *awsecs.HealthCheck {
	return &awsecs.HealthCheck{
		Command:     jsii.Strings("CMD", "/thebrain", "healthcheck", "http://127.0.0.1:"+itoa(port)+"/healthz"),
		Interval:    awscdk.Duration_Seconds(jsii.Number(15)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
		Retries:     jsii.Number(3),
		StartPeriod: awscdk.Duration_Seconds(jsii.Number(30)),
	}
}

func logDriver(scope constructs.Construct, prefix string) awsecs.LogDriver {
	return awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
		StreamPrefix: jsii.String(prefix),
		LogGroup: awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}),
	})
}

// newWorkerService runs `thebrain worker` on Fargate (arm64): at least one
// task always (it also relays jobs to SQS and runs the periodic ones), up
// to four as the queue grows.
func newWorkerService(stack awscdk.Stack, n *network, rt *runtime) {
	svc := awsecspatterns.NewQueueProcessingFargateService(stack, jsii.String("Worker"), &awsecspatterns.QueueProcessingFargateServiceProps{
		Cluster:           n.cluster,
		Queue:             rt.queues.jobs,
		Image:             containerImage(rt.settings),
		Command:           jsii.Strings("worker"),
		Environment:       rt.taskEnv(map[string]string{"THEBRAIN_WORKER_ADDR": ":" + itoa(workerPort)}),
		Secrets:           rt.taskSecrets(),
		Cpu:               jsii.Number(256),
		MemoryLimitMiB:    jsii.Number(512),
		RuntimePlatform:   &awsecs.RuntimePlatform{CpuArchitecture: awsecs.CpuArchitecture_ARM64(), OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX()},
		HealthCheck:       healthCheck(workerPort),
		LogDriver:         logDriver(stack, "worker"),
		SecurityGroups:    &[]awsec2.ISecurityGroup{importSg(stack, "WorkerSg", n.worker)},
		TaskSubnets:       appSubnets(),
		AssignPublicIp:    jsii.Bool(false),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Rollback: jsii.Bool(true)},
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		// Scale on the queue's visible messages (ApproximateNumberOfMessagesVisible).
		MinScalingCapacity: jsii.Number(1),
		MaxScalingCapacity: jsii.Number(4),
		ScalingSteps: &[]*awsapplicationautoscaling.ScalingInterval{
			{Upper: jsii.Number(0), Change: jsii.Number(-1)},
			{Lower: jsii.Number(100), Change: jsii.Number(+1)},
			{Lower: jsii.Number(500), Change: jsii.Number(+3)},
		},
		DisableCpuBasedScaling: jsii.Bool(true),
	})
	rt.grantSecrets(svc.TaskDefinition().TaskRole(), false)
	rt.storage.bucket.GrantReadWrite(svc.TaskDefinition().TaskRole(), nil)
	rt.storage.bucket.GrantDelete(svc.TaskDefinition().TaskRole(), nil)
	rt.queues.jobs.GrantSendMessages(svc.TaskDefinition().TaskRole())
}
