package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Ports the security groups open.
const (
	postgresPort = 5432
	redisPort    = 6379
	workerPort   = 8081 // THEBRAIN_WORKER_ADDR: /healthz, /readyz (the task's own health check)
	collabPort   = 8082 // THEBRAIN_COLLAB_ADDR: /collab/{chapter_id}, /healthz, /readyz
)

// network is the VPC and every security group. All ingress rules live
// here, in one place, and the other stacks import the groups as immutable,
// so no construct adds a rule behind our back.
type network struct {
	vpc     awsec2.Vpc
	cluster awsecs.Cluster

	lambda   awsec2.SecurityGroup // API Lambda, authorizer, migrations
	worker   awsec2.SecurityGroup // Fargate worker
	collab   awsec2.SecurityGroup // Fargate collab
	alb      awsec2.SecurityGroup // the collaboration ALB
	database awsec2.SecurityGroup // Aurora
	cache    awsec2.SecurityGroup // ElastiCache
	albPort  int
}

// Subnet groups.
const (
	subnetPublic = "public" // the ALB and the one NAT gateway
	subnetApp    = "app"    // Lambdas and Fargate tasks (egress through the NAT)
	subnetData   = "data"   // Aurora and ElastiCache (no route out)
)

func newNetwork(stack awscdk.Stack, s settings) *network {
	n := &network{albPort: 80}
	if s.CertificateARN != "" {
		n.albPort = 443
	}
	// Two AZs (Aurora and the ALB need two). One NAT gateway: the AI
	// providers (Anthropic, OpenAI) are on the internet, and Fargate pulls
	// its image through it. AWS services the hot paths use go through
	// endpoints instead: S3 through a free gateway endpoint, Secrets
	// Manager and SQS through interface endpoints (every cold start reads
	// secrets; every job crosses SQS).
	n.vpc = awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(subnetPublic), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String(subnetApp), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
			{Name: jsii.String(subnetData), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})

	sg := func(id, desc string, outbound bool) awsec2.SecurityGroup {
		return awsec2.NewSecurityGroup(stack, jsii.String(id), &awsec2.SecurityGroupProps{
			Vpc: n.vpc, Description: jsii.String(desc), AllowAllOutbound: jsii.Bool(outbound),
		})
	}
	n.lambda = sg("LambdaSg", "The Brain API Lambda, authorizer and migrations", true)
	n.worker = sg("WorkerSg", "The Brain Fargate worker", true)
	n.collab = sg("CollabSg", "The Brain Fargate collaboration server", true)
	n.alb = sg("AlbSg", "The Brain collaboration load balancer", false)
	n.database = sg("DatabaseSg", "The Brain Aurora PostgreSQL", false)
	n.cache = sg("CacheSg", "The Brain ElastiCache Redis", false)

	tcp := func(p int) awsec2.Port { return awsec2.Port_Tcp(jsii.Number(p)) }
	// Who may reach what: nothing else is open.
	for _, from := range []struct {
		sg   awsec2.SecurityGroup
		name string
	}{{n.lambda, "Lambdas"}, {n.worker, "worker"}, {n.collab, "collab"}} {
		n.database.AddIngressRule(from.sg, tcp(postgresPort), jsii.String("PostgreSQL from the "+from.name), nil)
		n.cache.AddIngressRule(from.sg, tcp(redisPort), jsii.String("Redis from the "+from.name), nil)
	}
	n.collab.AddIngressRule(n.alb, tcp(collabPort), jsii.String("collaboration traffic and health checks from the ALB"), nil)
	n.alb.AddIngressRule(awsec2.Peer_AnyIpv4(), tcp(n.albPort), jsii.String("clients"), nil)
	n.alb.AddEgressRule(n.collab, tcp(collabPort), jsii.String("to the collaboration tasks"), nil)

	// Interface endpoints reachable from the app subnets.
	endpointSg := sg("EndpointSg", "The Brain VPC interface endpoints", false)
	for _, from := range []awsec2.SecurityGroup{n.lambda, n.worker, n.collab} {
		endpointSg.AddIngressRule(from, tcp(443), jsii.String("HTTPS from the app"), nil)
	}
	// One AZ's subnet is enough for so little traffic (the other AZ
	// reaches it through the endpoint's private DNS name) and halves the
	// endpoints' hourly cost.
	one := n.vpc.SelectSubnets(appSubnets()).Subnets
	for _, ep := range []struct {
		id  string
		svc awsec2.InterfaceVpcEndpointAwsService
	}{
		{"SecretsManager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
		{"Sqs", awsec2.InterfaceVpcEndpointAwsService_SQS()},
	} {
		n.vpc.AddInterfaceEndpoint(jsii.String(ep.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           ep.svc,
			Subnets:           &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{(*one)[0]}},
			SecurityGroups:    &[]awsec2.ISecurityGroup{endpointSg},
			Open:              jsii.Bool(false),
			PrivateDnsEnabled: jsii.Bool(true),
		})
	}

	n.cluster = awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: n.vpc})
	return n
}

// importSg is a security group of the network stack as another stack sees
// it: immutable, so constructs there (the ALB pattern, the ECS service)
// cannot add rules. Every rule is in newNetwork.
func importSg(scope constructs.Construct, id string, sg awsec2.SecurityGroup) awsec2.ISecurityGroup {
	return awsec2.SecurityGroup_FromSecurityGroupId(scope, jsii.String(id), sg.SecurityGroupId(), &awsec2.SecurityGroupImportOptions{
		Mutable: jsii.Bool(false), AllowAllOutbound: jsii.Bool(true),
	})
}

// appSubnets are where Lambdas and tasks run.
func appSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(subnetApp)}
}

// dataSubnets are where Aurora and ElastiCache run.
func dataSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(subnetData)}
}
