package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// API limits at the gateway.
const (
	authorizerCacheSeconds = 60 // how late a logout can bite at the gateway (the API re-checks every request)
	apiRateLimit           = 100
	apiBurstLimit          = 200
	apiDailyQuota          = 10_000
	stageName              = "live"
)

// bearerPattern is the authorizer's validation regex: API Gateway answers
// 401 itself, without invoking the authorizer, for anything else.
const bearerPattern = `^Bearer [-0-9A-Za-z._~+/]+=*$`

type api struct {
	rest       awsapigateway.RestApi
	handler    awslambda.Function
	authorizer awslambda.Function
}

// newAPI is the REST API: every route goes to the API Lambda (the router
// inside decides); a TOKEN authorizer guards all of them but the ones that
// must work without a token (sign-up, login, refresh, health, JWKS, CORS
// preflight).
func newAPI(stack awscdk.Stack, n *network, rt *runtime, code awslambda.Code) *api {
	fn := func(id, handler, desc string, memory float64, timeout float64) awslambda.Function {
		props := &awslambda.FunctionProps{
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String(handler),
			Code:         code,
			MemorySize:   jsii.Number(memory),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
			Description:  jsii.String(desc),
			Environment:  rt.lambdaEnv(nil),
			Tracing:      awslambda.Tracing_ACTIVE,
			LogGroup: awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
				Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			}),
		}
		if n != nil {
			props.Vpc = n.vpc
			props.VpcSubnets = appSubnets()
			props.SecurityGroups = &[]awsec2.ISecurityGroup{importSg(stack, id+"Sg", n.lambda)}
		}
		return awslambda.NewFunction(stack, jsii.String(id), props)
	}
	a := &api{}
	// 1 GB: argon2id hashing (19 MiB per login) and more CPU for JSON.
	// 29 s: API Gateway's own integration limit.
	a.handler = fn("Handler", handlerAPI, "The Brain API (thebrain lambda)", 1024, 29)
	a.authorizer = fn("Authorizer", handlerAuthorizer, "The Brain TOKEN authorizer (thebrain authorizer)", 256, 10)
	rt.grantSecrets(a.handler, true)
	rt.grantSecrets(a.authorizer, true) // the public keys come from the signing keys
	rt.queues.jobs.GrantSendMessages(a.handler)
	rt.storage.bucket.GrantReadWrite(a.handler, nil)
	rt.storage.bucket.GrantDelete(a.handler, nil)

	accessLogs := awslogs.NewLogGroup(stack, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_THREE_MONTHS, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	a.rest = awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String("thebrain"),
		Description: jsii.String("The Brain API"),
		// The proxy answers non-UTF-8 bodies base64-encoded; the gateway
		// decodes them (and encodes binary request bodies) for every type.
		BinaryMediaTypes:      jsii.Strings("*/*"),
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		CloudWatchRole:        jsii.Bool(true), // access logs need the account's API Gateway role
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(stageName),
			ThrottlingRateLimit:  jsii.Number(apiRateLimit),
			ThrottlingBurstLimit: jsii.Number(apiBurstLimit),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(true),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(false), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
		},
	})

	authz := awsapigateway.NewTokenAuthorizer(stack, jsii.String("TokenAuthorizer"), &awsapigateway.TokenAuthorizerProps{
		Handler:         a.authorizer,
		IdentitySource:  jsii.String("method.request.header.Authorization"),
		ValidationRegex: jsii.String(bearerPattern),
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(authorizerCacheSeconds)),
	})
	integration := awsapigateway.NewLambdaIntegration(a.handler, &awsapigateway.LambdaIntegrationOptions{
		Proxy:                   jsii.Bool(true),
		ScopePermissionToMethod: jsii.Bool(false), // one permission for the whole API
	})
	guarded := &awsapigateway.MethodOptions{Authorizer: authz, AuthorizationType: awsapigateway.AuthorizationType_CUSTOM}
	open := &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_NONE}

	root := a.rest.Root()
	root.AddMethod(jsii.String("ANY"), integration, guarded)
	proxied := func(r awsapigateway.IResource) {
		p := r.AddResource(jsii.String("{proxy+}"), nil)
		p.AddMethod(jsii.String("ANY"), integration, guarded)
		p.AddMethod(jsii.String("OPTIONS"), integration, open) // CORS preflight carries no token
	}
	proxied(root)
	root.AddResource(jsii.String("healthz"), nil).AddMethod(jsii.String("GET"), integration, open)
	root.AddResource(jsii.String("readyz"), nil).AddMethod(jsii.String("GET"), integration, open)
	root.AddResource(jsii.String(".well-known"), nil).AddResource(jsii.String("jwks.json"), nil).AddMethod(jsii.String("GET"), integration, open)
	v1 := root.AddResource(jsii.String("v1"), nil)
	proxied(v1)
	v1.AddResource(jsii.String("health"), nil).AddMethod(jsii.String("GET"), integration, open)
	// /v1/auth/*: sign-up, login and refresh take no bearer token; the
	// others there (logout, me, sessions, password) check it in the API.
	v1.AddResource(jsii.String("auth"), nil).AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"), integration, open)

	// The usage plan: the stage's own throttle binds every caller; the
	// plan's quota binds requests that carry its API key (the methods do
	// not require one: a browser cannot keep it secret). Per-user limits
	// are the API's (docs/limits.md).
	plan := a.rest.AddUsagePlan(jsii.String("UsagePlan"), &awsapigateway.UsagePlanProps{
		Name:     jsii.String("thebrain"),
		Throttle: &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(apiRateLimit), BurstLimit: jsii.Number(apiBurstLimit)},
		Quota:    &awsapigateway.QuotaSettings{Limit: jsii.Number(apiDailyQuota), Period: awsapigateway.Period_DAY},
	})
	plan.AddApiStage(&awsapigateway.UsagePlanPerApiStage{Api: a.rest, Stage: a.rest.DeploymentStage()})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: a.rest.Url()})
	return a
}
