package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecspatterns"
	elb "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
)

// albIdleSeconds keeps quiet WebSockets open: the ALB closes a connection
// with no traffic for this long (Yjs awareness pings are far more often).
const albIdleSeconds = 3600

// newCollab runs `thebrain collab` on Fargate behind an internet-facing
// ALB: the /collab/{chapter_id} WebSocket endpoint. The ALB checks
// /healthz on the collab port; the container checks it too.
func newCollab(stack awscdk.Stack, n *network, rt *runtime) {
	lb := elb.NewApplicationLoadBalancer(stack, jsii.String("Alb"), &elb.ApplicationLoadBalancerProps{
		Vpc:                     n.vpc,
		InternetFacing:          jsii.Bool(true),
		VpcSubnets:              &awsec2.SubnetSelection{SubnetGroupName: jsii.String(subnetPublic)},
		SecurityGroup:           importSg(stack, "AlbSg", n.alb),
		IdleTimeout:             awscdk.Duration_Seconds(jsii.Number(albIdleSeconds)),
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
		Cpu:             jsii.Number(256),
		MemoryLimitMiB:  jsii.Number(512),
		RuntimePlatform: &awsecs.RuntimePlatform{CpuArchitecture: awsecs.CpuArchitecture_ARM64(), OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX()},
	})
	task.AddContainer(jsii.String("collab"), &awsecs.ContainerDefinitionOptions{
		Image:        containerImage(rt.settings),
		Command:      jsii.Strings("collab"),
		Environment:  rt.taskEnv(map[string]string{"THEBRAIN_COLLAB_ADDR": ":" + itoa(collabPort)}),
		Secrets:      rt.taskSecrets(),
		Logging:      logDriver(stack, "collab"),
		HealthCheck:  healthCheck(collabPort),
		PortMappings: &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(collabPort)}},
		// Give open sockets time to close cleanly (THEBRAIN_SHUTDOWN_TIMEOUT is 20 s).
		StopTimeout: awscdk.Duration_Seconds(jsii.Number(30)),
	})
	props := &awsecspatterns.ApplicationLoadBalancedFargateServiceProps{
		Cluster:                n.cluster,
		LoadBalancer:           lb,
		OpenListener:           jsii.Bool(false), // the ALB's group is opened in the network stack
		ListenerPort:           jsii.Number(float64(n.albPort)),
		TaskDefinition:         task,
		DesiredCount:           jsii.Number(1),
		SecurityGroups:         &[]awsec2.ISecurityGroup{importSg(stack, "CollabSg", n.collab)},
		TaskSubnets:            appSubnets(),
		AssignPublicIp:         jsii.Bool(false),
		CircuitBreaker:         &awsecs.DeploymentCircuitBreaker{Rollback: jsii.Bool(true)},
		MinHealthyPercent:      jsii.Number(100),
		MaxHealthyPercent:      jsii.Number(200),
		HealthCheckGracePeriod: awscdk.Duration_Seconds(jsii.Number(30)),
	}
	if rt.settings.CertificateARN != "" {
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(rt.settings.CertificateARN))
		props.Protocol = elb.ApplicationProtocol_HTTPS
		props.SslPolicy = elb.SslPolicy_RECOMMENDED_TLS
	} else {
		props.Protocol = elb.ApplicationProtocol_HTTP
	}
	svc := awsecspatterns.NewApplicationLoadBalancedFargateService(stack, jsii.String("Collab"), props)
	svc.TargetGroup().ConfigureHealthCheck(&elb.HealthCheck{
		Path:                    jsii.String("/healthz"),
		Port:                    jsii.String(itoa(collabPort)),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(3),
	})
	// Let open sockets finish their edits on a deploy, not be cut at once.
	svc.TargetGroup().SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String("30"))
	rt.grantSecrets(svc.TaskDefinition().TaskRole(), false)
	scaling := svc.Service().AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{MinCapacity: jsii.Number(1), MaxCapacity: jsii.Number(4)})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{TargetUtilizationPercent: jsii.Number(60)})
	awscdk.NewCfnOutput(stack, jsii.String("CollabUrl"), &awscdk.CfnOutputProps{Value: lb.LoadBalancerDnsName()})
}
