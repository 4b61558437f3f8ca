package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// stacks are what build made; tests look at them. A nil stack is not part
// of the target.
type stacks struct {
	Network, Auth, Database, Cache, Storage, Worker, API, Collab awscdk.Stack

	net *network // the VPC and security groups (aws only)
}

// build defines every stack of the target. The stacks are environment
// agnostic (account and region come from the CLI's credentials at deploy).
//
// Order (each needs what the ones before it export):
//
//	network → auth, cache, storage, worker queues → database (+ migrations) → worker service, api, collab

// Each stack gets its own Lambda code asset (CDK requires it); with local
// bundling the second build comes from Go's build cache.
//
// The database stack runs the migrations before anything that serves
// traffic is updated; worker, api and collab depend on it.
func build(app awscdk.App, s settings) *stacks {
	st := &stacks{}
	props := func(desc string) *awscdk.StackProps {
		return &awscdk.StackProps{Description: jsii.String("The Brain: " + desc)}
	}

	if s.Target == targetAWS {
		st.Network = awscdk.NewStack(app, jsii.String("thebrain-network"), props("VPC, endpoints, security groups, ECS cluster"))
		st.net = newNetwork(st.Network, s)
	}
	st.Auth = awscdk.NewStack(app, jsii.String("thebrain-auth"), props("signing keys and the cursor key (Secrets Manager)"))
	auth := newAuth(st.Auth)

	var cache *cache
	if s.Target == targetAWS {
		st.Cache = awscdk.NewStack(app, jsii.String("thebrain-cache"), props("ElastiCache Redis"))
		cache = newCache(st.Cache, st.net)
	}
	st.Storage = awscdk.NewStack(app, jsii.String("thebrain-storage"), props("S3 bucket for uploads"))
	storage := newStorage(st.Storage, s)

	st.Worker = awscdk.NewStack(app, jsii.String("thebrain-worker"), props("jobs queue, dead-letter queue and the Fargate worker"))
	queues := newQueues(st.Worker)

	// The runtime wiring every mode shares: environment and secrets.
	rt := &runtime{auth: auth, storage: storage, queues: queues, cache: cache, settings: s, net: st.net}

	st.Database = awscdk.NewStack(app, jsii.String("thebrain-database"), props("Aurora Serverless v2 PostgreSQL and the migrations"))
	rt.db = newDatabase(st.Database, st.net, s)
	newMigrations(st.Database, rt, newLambdaCode(s))

	if s.Target == targetAWS {
		newWorkerService(st.Worker, st.net, rt)
		st.Worker.AddStackDependency(st.Database, jsii.String("migrations run before workers start"))
	}

	st.API = awscdk.NewStack(app, jsii.String("thebrain-api"), props("REST API, API Lambda and TOKEN authorizer"))
	newAPI(st.API, st.net, rt, newLambdaCode(s))
	st.API.AddStackDependency(st.Database, jsii.String("migrations run before the API is updated"))

	if s.Target == targetAWS {
		st.Collab = awscdk.NewStack(app, jsii.String("thebrain-collab"), props("ALB and the Fargate collaboration server"))
		newCollab(st.Collab, st.net, rt)
		st.Collab.AddStackDependency(st.Database, jsii.String("migrations run before collab starts"))
	}
	awscdk.Tags_Of(app).Add(jsii.String("app"), jsii.String("thebrain"), nil)
	return st
}
