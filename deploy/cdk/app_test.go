package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// The tests synthesise each target once, with a placeholder Lambda binary
// and image (the real local bundling runs in CI's synth step, .ci/run).

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close() // without it every run leaves a jsii-runtime temp dir behind
	os.Exit(code)
}

var (
	synthOnce sync.Map // target → *synthesised
)

type synthesised struct {
	st        *stacks
	templates map[string]assertions.Template    // stack name → template
	json      map[string]map[string]interface{} // stack name → template as JSON
	err       error
}

// synth builds and synthesises the app for target once per test binary.
func synth(t *testing.T, target string) *synthesised {
	t.Helper()
	v, _ := synthOnce.LoadOrStore(target, &sync.Once{})
	key := target + "/result"
	v.(*sync.Once).Do(func() {
		r := &synthesised{templates: map[string]assertions.Template{}, json: map[string]map[string]interface{}{}}
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("synth panicked: %v", p)
			}
			synthOnce.Store(key, r)
		}()
		asset, err := os.MkdirTemp("", "thebrain-cdk-asset-")
		if err != nil {
			r.err = err
			return
		}
		if err := os.WriteFile(filepath.Join(asset, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
			r.err = err
			return
		}
		app, err := newApp(map[string]any{
			"target":      target,
			"lambdaAsset": asset,
			"image":       "public.ecr.aws/thebrain/thebrain:test",
			"outdir":      "",
		})
		if err != nil {
			r.err = err
			return
		}
		s, err := readSettings(app)
		if err != nil {
			r.err = err
			return
		}
		r.st = build(app, s)
		for _, stack := range r.all() {
			tpl := assertions.Template_FromStack(stack, nil)
			name := *stack.StackName()
			r.templates[name] = tpl
			r.json[name] = *tpl.ToJSON()
		}
	})
	r, _ := synthOnce.Load(key)
	res := r.(*synthesised)
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res
}

func (r *synthesised) all() []awscdk.Stack {
	var out []awscdk.Stack
	for _, s := range []awscdk.Stack{r.st.Network, r.st.Auth, r.st.Database, r.st.Cache, r.st.Storage, r.st.Worker, r.st.API, r.st.Collab} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// check runs an assertions call, turning its panic (how a failed CDK
// assertion reports) into a test error, so later checks still run.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s: %v", what, p)
		}
	}()
	f()
}

type obj = map[string]interface{}

// resources lists a template's resources of one type.
func resources(tpl map[string]interface{}, typ string) map[string]obj {
	out := map[string]obj{}
	for id, r := range tpl["Resources"].(obj) {
		if r.(obj)["Type"] == typ {
			out[id] = r.(obj)
		}
	}
	return out
}

func props(r obj) obj {
	p, _ := r["Properties"].(obj)
	return p
}

func TestTargets(t *testing.T) {
	aws := synth(t, targetAWS)
	var names []string
	for _, s := range aws.all() {
		names = append(names, *s.StackName())
	}
	want := []string{"thebrain-network", "thebrain-auth", "thebrain-database", "thebrain-cache", "thebrain-storage", "thebrain-worker", "thebrain-api", "thebrain-collab"}
	if !slices.Equal(names, want) {
		t.Errorf("target=aws stacks = %v, want %v", names, want)
	}

	local := synth(t, targetLocal)
	names = nil
	for _, s := range local.all() {
		names = append(names, *s.StackName())
	}
	want = []string{"thebrain-auth", "thebrain-database", "thebrain-storage", "thebrain-worker", "thebrain-api"}
	if !slices.Equal(names, want) {
		t.Errorf("target=local stacks = %v, want %v", names, want)
	}
	// Only what LocalStack Community runs.
	allowed := regexp.MustCompile(`^(AWS::(S3|SQS|SecretsManager|Lambda|ApiGateway|IAM|Logs)::|Custom::)`)
	for name, tpl := range local.json {
		for id, r := range tpl["Resources"].(obj) {
			if typ := r.(obj)["Type"].(string); !allowed.MatchString(typ) {
				t.Errorf("target=local: %s/%s is a %s, which LocalStack Community cannot run", name, id, typ)
			}
		}
	}
	if !strings.Contains(settings{Target: targetLocal}.describe(), "only the LocalStack Community slice") {
		t.Error("target=local does not say it synthesises a slice")
	}
}

func TestSettingsRefuseUnknownTarget(t *testing.T) {
	app, err := newApp(map[string]any{"target": "staging"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readSettings(app); err == nil || !strings.Contains(err.Error(), "must be aws or local") {
		t.Errorf("target=staging: err = %v", err)
	}
	app, _ = newApp(map[string]any{"lambdaAsset": t.TempDir()})
	if _, err := readSettings(app); err == nil || !strings.Contains(err.Error(), "bootstrap") {
		t.Errorf("lambdaAsset without a bootstrap: err = %v", err)
	}
	app, _ = newApp(nil)
	s, err := readSettings(app)
	if err != nil || s.Target != targetAWS {
		t.Errorf("no target: %+v, %v; want aws", s.Target, err)
	}
}

func TestResourceCounts(t *testing.T) {
	r := synth(t, targetAWS)
	counts := map[string]map[string]float64{
		"thebrain-network": {"AWS::EC2::VPC": 1, "AWS::EC2::Subnet": 6, "AWS::EC2::NatGateway": 1, "AWS::EC2::VPCEndpoint": 3, "AWS::EC2::SecurityGroup": 7, "AWS::ECS::Cluster": 1},
		"thebrain-auth":    {"AWS::SecretsManager::Secret": 2, "Custom::TheBrainInitialSigningKey": 1},
		"thebrain-database": {"AWS::RDS::DBCluster": 1, "AWS::RDS::DBInstance": 1, "AWS::SecretsManager::Secret": 1,
			"AWS::SecretsManager::SecretTargetAttachment": 1, "Custom::Trigger": 1},
		"thebrain-cache":   {"AWS::ElastiCache::ReplicationGroup": 1, "AWS::ElastiCache::SubnetGroup": 1, "AWS::SecretsManager::Secret": 1},
		"thebrain-storage": {"AWS::S3::Bucket": 1, "AWS::S3::BucketPolicy": 1},
		"thebrain-worker":  {"AWS::SQS::Queue": 2, "AWS::ECS::Service": 1, "AWS::ECS::TaskDefinition": 1, "AWS::CloudWatch::Alarm": 2},
		"thebrain-api": {"AWS::ApiGateway::RestApi": 1, "AWS::ApiGateway::Authorizer": 1, "AWS::ApiGateway::UsagePlan": 1,
			"AWS::ApiGateway::Stage": 1, "AWS::Lambda::Function": 2, "AWS::ApiGateway::Method": 10},
		"thebrain-collab": {"AWS::ElasticLoadBalancingV2::LoadBalancer": 1, "AWS::ElasticLoadBalancingV2::Listener": 1,
			"AWS::ElasticLoadBalancingV2::TargetGroup": 1, "AWS::ECS::Service": 1},
	}
	for stack, want := range counts {
		for typ, n := range want {
			check(t, stack+" "+typ, func() { r.templates[stack].ResourceCountIs(jsii.String(typ), jsii.Number(n)) })
		}
	}
}

// TestSecurityGroups: every ingress rule of the architecture, and nothing
// else open.
func TestSecurityGroups(t *testing.T) {
	r := synth(t, targetAWS)
	tpl := r.json["thebrain-network"]
	sgName := map[string]string{} // logical ID → short name
	for id := range resources(tpl, "AWS::EC2::SecurityGroup") {
		for _, n := range []string{"LambdaSg", "WorkerSg", "CollabSg", "AlbSg", "DatabaseSg", "CacheSg", "EndpointSg"} {
			if strings.HasPrefix(id, n) {
				sgName[id] = n
			}
		}
	}
	ref := func(v interface{}) string {
		if m, ok := v.(obj); ok {
			if ga, ok := m["Fn::GetAtt"].([]interface{}); ok {
				return sgName[ga[0].(string)]
			}
		}
		return fmt.Sprint(v)
	}
	var rules []string
	for _, rr := range resources(tpl, "AWS::EC2::SecurityGroupIngress") {
		p := props(rr)
		from := ref(p["SourceSecurityGroupId"])
		if c, ok := p["CidrIp"]; ok {
			from = c.(string)
		}
		rules = append(rules, fmt.Sprintf("%s <- %s tcp/%v", ref(p["GroupId"]), from, p["FromPort"]))
	}
	for id, sg := range resources(tpl, "AWS::EC2::SecurityGroup") {
		in, _ := props(sg)["SecurityGroupIngress"].([]interface{})
		for _, x := range in {
			p := x.(obj)
			from := ref(p["SourceSecurityGroupId"])
			if c, ok := p["CidrIp"]; ok {
				from = c.(string)
			}
			rules = append(rules, fmt.Sprintf("%s <- %s tcp/%v", sgName[id], from, p["FromPort"]))
		}
	}
	sort.Strings(rules)
	want := []string{
		"AlbSg <- 0.0.0.0/0 tcp/80",
		"CacheSg <- CollabSg tcp/6379",
		"CacheSg <- LambdaSg tcp/6379",
		"CacheSg <- WorkerSg tcp/6379",
		"CollabSg <- AlbSg tcp/8082",
		"DatabaseSg <- CollabSg tcp/5432",
		"DatabaseSg <- LambdaSg tcp/5432",
		"DatabaseSg <- WorkerSg tcp/5432",
		"EndpointSg <- CollabSg tcp/443",
		"EndpointSg <- LambdaSg tcp/443",
		"EndpointSg <- WorkerSg tcp/443",
	}
	if !slices.Equal(rules, want) {
		t.Errorf("ingress rules:\n  %s\nwant:\n  %s", strings.Join(rules, "\n  "), strings.Join(want, "\n  "))
	}
	// The data tier and the ALB send nothing out but what is needed.
	for id, sg := range resources(tpl, "AWS::EC2::SecurityGroup") {
		out, _ := props(sg)["SecurityGroupEgress"].([]interface{})
		switch sgName[id] {
		case "DatabaseSg", "CacheSg", "EndpointSg", "AlbSg":
			for _, e := range out {
				if e.(obj)["CidrIp"] == "0.0.0.0/0" {
					t.Errorf("%s may send anywhere", sgName[id])
				}
			}
		}
	}
	// No other stack adds rules (they import the groups as immutable).
	for name, other := range r.json {
		if name == "thebrain-network" {
			continue
		}
		for _, typ := range []string{"AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroup"} {
			if n := len(resources(other, typ)); n > 0 {
				t.Errorf("%s defines %d %s", name, n, typ)
			}
		}
	}
}

func TestDatabase(t *testing.T) {
	r := synth(t, targetAWS)
	tpl := r.templates["thebrain-database"]
	check(t, "Aurora Serverless v2 scales to zero", func() {
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBCluster"), obj{
			"Engine":                           "aurora-postgresql",
			"StorageEncrypted":                 true,
			"DeletionProtection":               true,
			"ServerlessV2ScalingConfiguration": obj{"MinCapacity": 0, "MaxCapacity": 4},
			"MasterUsername":                   "thebrain",
			"DatabaseName":                     "thebrain",
		})
	})
	check(t, "the writer is serverless", func() {
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj{"DBInstanceClass": "db.serverless", "PubliclyAccessible": false})
	})
	check(t, "the password is generated by Secrets Manager", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), obj{
			"GenerateSecretString": assertions.Match_ObjectLike(&obj{"GenerateStringKey": "password"}),
		})
	})
	// Migrations: a Lambda in migrate mode, invoked by a trigger after the
	// cluster exists.
	check(t, "the migrations function", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj{
			"Handler": handlerMigrate, "Runtime": "provided.al2023", "Architectures": []interface{}{"arm64"},
		})
	})
	triggers := resources(r.json["thebrain-database"], "Custom::Trigger")
	for _, trig := range triggers {
		deps, _ := trig["DependsOn"].([]interface{})
		cluster := false
		for _, d := range deps {
			cluster = cluster || strings.HasPrefix(d.(string), "Aurora")
		}
		if !cluster {
			t.Errorf("the migrations trigger does not wait for the cluster: DependsOn %v", deps)
		}
		if p := props(trig); p["InvocationType"] != "RequestResponse" {
			t.Errorf("the migrations trigger does not wait for the migrations: %v", p["InvocationType"])
		}
	}
	// API, worker and collab deploy after the migrations.
	for _, s := range []awscdk.Stack{r.st.API, r.st.Worker, r.st.Collab} {
		deps := s.Dependencies()
		ok := false
		for _, d := range *deps {
			ok = ok || *d.StackName() == "thebrain-database"
		}
		if !ok {
			t.Errorf("%s does not depend on the database stack (migrations)", *s.StackName())
		}
	}
}

func TestCache(t *testing.T) {
	r := synth(t, targetAWS)
	check(t, "Redis", func() {
		r.templates["thebrain-cache"].HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), obj{
			"Engine": "redis", "CacheNodeType": "cache.t4g.micro", "NumCacheClusters": 1,
			"TransitEncryptionEnabled": true, "AtRestEncryptionEnabled": true, "Port": redisPort,
		})
	})
	// The AUTH token reaches the cluster as a dynamic reference to its
	// generated secret, never as a value.
	for _, rg := range resources(r.json["thebrain-cache"], "AWS::ElastiCache::ReplicationGroup") {
		tok, _ := json.Marshal(props(rg)["AuthToken"])
		if !strings.Contains(string(tok), "{{resolve:secretsmanager:") {
			t.Errorf("AuthToken = %s, want a {{resolve:secretsmanager:…}} reference", tok)
		}
	}
	check(t, "the AUTH token is generated", func() {
		r.templates["thebrain-cache"].HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), obj{
			"GenerateSecretString": assertions.Match_ObjectLike(&obj{"PasswordLength": 64, "ExcludePunctuation": true}),
		})
	})
}

func TestStorage(t *testing.T) {
	for _, target := range []string{targetAWS, targetLocal} {
		r := synth(t, target)
		tpl := r.templates["thebrain-storage"]
		check(t, target+": private, encrypted, versioned bucket with CORS and lifecycle", func() {
			tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj{
				"PublicAccessBlockConfiguration": obj{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"BucketEncryption": obj{"ServerSideEncryptionConfiguration": []interface{}{
					obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "AES256"}},
				}},
				"VersioningConfiguration": obj{"Status": "Enabled"},
				"CorsConfiguration": obj{"CorsRules": []interface{}{assertions.Match_ObjectLike(&obj{
					"AllowedMethods": assertions.Match_ArrayWith(&[]interface{}{"PUT"}),
				})}},
				"LifecycleConfiguration": obj{"Rules": []interface{}{assertions.Match_ObjectLike(&obj{
					"AbortIncompleteMultipartUpload": obj{"DaysAfterInitiation": 1},
					"NoncurrentVersionExpiration":    obj{"NoncurrentDays": 30},
					"Status":                         "Enabled",
				})}},
			})
		})
		check(t, target+": TLS only", func() {
			tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj{
				"PolicyDocument": assertions.Match_ObjectLike(&obj{"Statement": assertions.Match_ArrayWith(&[]interface{}{
					assertions.Match_ObjectLike(&obj{"Effect": "Deny", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}),
				})}),
			})
		})
	}
}

func TestWorker(t *testing.T) {
	r := synth(t, targetAWS)
	tpl := r.templates["thebrain-worker"]
	check(t, "the jobs queue dead-letters after 3 receives", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), obj{
			"RedrivePolicy": obj{"maxReceiveCount": 3, "deadLetterTargetArn": assertions.Match_AnyValue()},
		})
	})
	check(t, "the worker task", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), obj{
			"RuntimePlatform": obj{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
			"ContainerDefinitions": []interface{}{assertions.Match_ObjectLike(&obj{
				"Command":     []interface{}{"worker"},
				"HealthCheck": assertions.Match_ObjectLike(&obj{"Command": []interface{}{"CMD", "/thebrain", "healthcheck", "http://127.0.0.1:8081/healthz"}}),
				"Secrets": assertions.Match_ArrayWith(&[]interface{}{
					assertions.Match_ObjectLike(&obj{"Name": "THEBRAIN_JWT_KEYS"}),
					assertions.Match_ObjectLike(&obj{"Name": "THEBRAIN_SECRET_KEY"}),
				}),
				"Environment": assertions.Match_ArrayWith(&[]interface{}{
					assertions.Match_ObjectLike(&obj{"Name": envDatabaseSecretARN}),
					obj{"Name": "THEBRAIN_JOBS_TRANSPORT", "Value": "sqs"},
				}),
			})},
		})
	})
	check(t, "scaling on the queue's depth", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS"})
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), obj{"MinCapacity": 1, "MaxCapacity": 4})
	})
}

func TestAPI(t *testing.T) {
	for _, target := range []string{targetAWS, targetLocal} {
		r := synth(t, target)
		tpl := r.templates["thebrain-api"]
		check(t, target+": the TOKEN authorizer caches for at most 60 s", func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), obj{
				"Type": "TOKEN", "AuthorizerResultTtlInSeconds": 60,
				"IdentitySource":               "method.request.header.Authorization",
				"IdentityValidationExpression": bearerPattern,
			})
		})
		for _, a := range resources(r.json["thebrain-api"], "AWS::ApiGateway::Authorizer") {
			if ttl := props(a)["AuthorizerResultTtlInSeconds"].(float64); ttl > 60 {
				t.Errorf("authorizer TTL %v s > 60", ttl)
			}
		}
		check(t, target+": usage plan", func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlan"), obj{
				"Throttle":  obj{"RateLimit": 100, "BurstLimit": 200},
				"Quota":     obj{"Limit": 10000, "Period": "DAY"},
				"ApiStages": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&obj{"Stage": assertions.Match_AnyValue()})}),
			})
		})
		check(t, target+": stage throttle and access logs", func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), obj{
				"StageName":        stageName,
				"AccessLogSetting": obj{"DestinationArn": assertions.Match_AnyValue(), "Format": assertions.Match_StringLikeRegexp(jsii.String("requestId"))},
				"MethodSettings": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&obj{
					"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200, "HttpMethod": "*", "ResourcePath": "/*",
				})}),
			})
		})
		for _, h := range []string{handlerAPI, handlerAuthorizer} {
			check(t, target+": "+h+" function", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj{
					"Handler": h, "Runtime": "provided.al2023", "Architectures": []interface{}{"arm64"},
					"Environment": obj{"Variables": assertions.Match_ObjectLike(&obj{
						envDatabaseSecretARN:    assertions.Match_AnyValue(),
						envJWTKeysSecretARN:     assertions.Match_AnyValue(),
						envSecretKeySecretARN:   assertions.Match_AnyValue(),
						"THEBRAIN_AUTO_MIGRATE": "false",
						"THEBRAIN_ENV":          "production",
					})},
				})
			})
		}
		for id, vars := range environments(r.json["thebrain-api"], false) {
			_, redisARN := vars[envRedisSecretARN]
			if redisARN != (target == targetAWS) {
				t.Errorf("%s %s: %s set = %v", target, id, envRedisSecretARN, redisARN)
			}
			if target == targetAWS && vars["THEBRAIN_DATABASE_URL"] != awsDatabaseURL {
				t.Errorf("%s %s: THEBRAIN_DATABASE_URL = %v, want %s (TLS to Aurora)", target, id, vars["THEBRAIN_DATABASE_URL"], awsDatabaseURL)
			}
		}
		// The authorizer may be invoked by this API's authorizers only.
		check(t, target+": authorizer invoke permission", func() {
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), obj{
				"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com",
				"SourceArn": obj{"Fn::Join": []interface{}{"", assertions.Match_ArrayWith(&[]interface{}{"/authorizers/"})}},
			})
		})
		// Which methods skip the authorizer: exactly the public ones.
		tplJSON := r.json["thebrain-api"]
		paths := map[string]string{} // resource logical ID → path
		var walk func(string) string
		walk = func(id string) string {
			if p, ok := paths[id]; ok {
				return p
			}
			res := tplJSON["Resources"].(obj)[id].(obj)
			p := props(res)
			parent := p["ParentId"].(obj)
			prefix := ""
			if ref, ok := parent["Ref"]; ok {
				prefix = walk(ref.(string))
			}
			paths[id] = prefix + "/" + p["PathPart"].(string)
			return paths[id]
		}
		var public, guarded []string
		for _, m := range resources(tplJSON, "AWS::ApiGateway::Method") {
			p := props(m)
			path := "/"
			if ref, ok := p["ResourceId"].(obj)["Ref"]; ok {
				path = walk(ref.(string))
			}
			name := p["HttpMethod"].(string) + " " + path
			if p["AuthorizationType"] == "CUSTOM" {
				guarded = append(guarded, name)
			} else {
				public = append(public, name)
			}
		}
		sort.Strings(public)
		sort.Strings(guarded)
		wantPublic := []string{"GET /.well-known/jwks.json", "GET /healthz", "GET /readyz", "GET /v1/health",
			"ANY /v1/auth/{proxy+}", "OPTIONS /v1/{proxy+}", "OPTIONS /{proxy+}"}
		sort.Strings(wantPublic)
		wantGuarded := []string{"ANY /", "ANY /v1/{proxy+}", "ANY /{proxy+}"}
		if !slices.Equal(public, wantPublic) || !slices.Equal(guarded, wantGuarded) {
			t.Errorf("%s: public %v, guarded %v; want public %v, guarded %v", target, public, guarded, wantPublic, wantGuarded)
		}
	}
}

func TestCollab(t *testing.T) {
	r := synth(t, targetAWS)
	tpl := r.templates["thebrain-collab"]
	check(t, "WebSocket-friendly idle timeout", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), obj{
			"Scheme": "internet-facing",
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]interface{}{
				obj{"Key": "idle_timeout.timeout_seconds", "Value": "3600"},
			}),
		})
	})
	check(t, "the target group checks /healthz on the collab port", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), obj{
			"TargetType": "ip", "HealthCheckPath": "/healthz", "HealthCheckPort": "8082", "Matcher": obj{"HttpCode": "200"},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), obj{
			"LoadBalancers": []interface{}{assertions.Match_ObjectLike(&obj{"ContainerPort": collabPort})},
		})
	})
	check(t, "the collab task", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), obj{
			"ContainerDefinitions": []interface{}{assertions.Match_ObjectLike(&obj{
				"Command":      []interface{}{"collab"},
				"PortMappings": []interface{}{assertions.Match_ObjectLike(&obj{"ContainerPort": collabPort})},
				"HealthCheck":  assertions.Match_ObjectLike(&obj{"Command": []interface{}{"CMD", "/thebrain", "healthcheck", "http://127.0.0.1:8082/healthz"}}),
			})},
		})
	})
}

// TestNoSecretValues scans every synthesised template for key material and
// passwords: secrets reach Lambdas as ARNs and Fargate tasks through ECS
// injection, never as values.
func TestNoSecretValues(t *testing.T) {
	secretSettings := []string{"THEBRAIN_DATABASE_URL", "THEBRAIN_REDIS_URL", "THEBRAIN_JWT_KEYS", "THEBRAIN_SECRET_KEY", "THEBRAIN_ANTHROPIC_API_KEY", "THEBRAIN_OPENAI_API_KEY"}
	keyMaterial := regexp.MustCompile(`-----BEGIN|"(?:d|k)":\s*"[A-Za-z0-9_-]{40,}"|postgres(?:ql)?://[^"\s]*:[^"\s]*@`)
	longBase64 := regexp.MustCompile(`"[A-Za-z0-9+/_-]{40,}={0,2}"`)
	// Not secrets: asset hashes (hex), CloudFormation's words, and CDK's
	// names (logical IDs and export names carry an 8-digit upper-case hex
	// hash, versions and deployments a lower-case hex one after it).
	notSecret := regexp.MustCompile(`^"(?:[0-9a-f]+|[A-Za-z]+|[A-Za-z0-9]*[0-9A-F]{8}[0-9a-f]*|[A-Za-z0-9]*[0-9A-F]{8}[A-Za-z0-9]*Arn|ExportsOutput[A-Za-z0-9]+)"$`)
	for _, target := range []string{targetAWS, targetLocal} {
		r := synth(t, target)
		for name, tpl := range r.json {
			raw, _ := json.Marshal(tpl)
			text := string(raw)
			if m := keyMaterial.FindString(text); m != "" {
				t.Errorf("%s %s: key material or a URL with a password: %.40s…", target, name, m)
			}
			for _, m := range longBase64.FindAllString(text, -1) {
				if !notSecret.MatchString(m) {
					t.Errorf("%s %s: a long opaque string (a key?): %.12s…", target, name, m)
					t.Log(m)
				}
			}
			for id, vars := range environments(tpl, false) {
				for _, s := range secretSettings {
					v, set := vars[s]
					switch {
					case !set:
					case strings.HasSuffix(s, "_URL"):
						// Allowed only without credentials (the *_SECRET_ARN
						// settings add them at start-up).
						if raw, _ := json.Marshal(v); strings.Contains(string(raw), "@") {
							t.Errorf("%s %s/%s: %s carries credentials: %v", target, name, id, s, v)
						}
					default:
						t.Errorf("%s %s/%s: %s is a plain environment value", target, name, id, s)
					}
				}
			}
			for id, res := range resources(tpl, "AWS::SecretsManager::Secret") {
				p := props(res)
				ss, has := p["SecretString"]
				switch {
				case !has:
				case target == targetLocal && name == "thebrain-database":
					// compose.yaml's development password, nothing else.
					if !strings.Contains(fmt.Sprint(ss), `"password":"`+localDatabasePassword+`"`) {
						t.Errorf("local database secret: %v", ss)
					}
				default:
					t.Errorf("%s %s/%s: a secret with its value in the template", target, name, id)
				}
			}
		}
	}
}

// TestLocalSlice: the local Lambda runs outside any VPC against compose's
// Redis and PostgreSQL; compose's migrate service migrates, so there is no
// migrations function.
func TestLocalSlice(t *testing.T) {
	r := synth(t, targetLocal)
	for id, fn := range resources(r.json["thebrain-api"], "AWS::Lambda::Function") {
		p := props(fn)
		if _, ok := p["VpcConfig"]; ok {
			t.Errorf("local %s is in a VPC", id)
		}
		vars := p["Environment"].(obj)["Variables"].(obj)
		if vars["THEBRAIN_REDIS_URL"] != "redis://host.docker.internal:6379/0" {
			t.Errorf("local %s: THEBRAIN_REDIS_URL = %v", id, vars["THEBRAIN_REDIS_URL"])
		}
	}
	for name, tpl := range r.json {
		for id, fn := range resources(tpl, "AWS::Lambda::Function") {
			if props(fn)["Handler"] == handlerMigrate {
				t.Errorf("local %s/%s: a migrations function (compose migrates)", name, id)
			}
		}
	}
	// On AWS every function of the binary is in the VPC's app subnets.
	aws := synth(t, targetAWS)
	for name, tpl := range aws.json {
		for id, fn := range resources(tpl, "AWS::Lambda::Function") {
			p := props(fn)
			if p["Runtime"] != "provided.al2023" {
				continue // CDK's own helpers (custom resources)
			}
			if _, ok := p["VpcConfig"]; !ok {
				t.Errorf("aws %s/%s (%v) is not in the VPC", name, id, p["Handler"])
			}
		}
	}
}

// environments is every Lambda's and container's plain environment in a
// template (with ECS-injected secrets too if asked), by resource (and
// container) name.
func environments(tpl map[string]interface{}, injected bool) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, fn := range resources(tpl, "AWS::Lambda::Function") {
		if env, ok := props(fn)["Environment"].(obj); ok {
			vars, _ := env["Variables"].(obj)
			out[id] = vars
		}
	}
	for id, td := range resources(tpl, "AWS::ECS::TaskDefinition") {
		defs, _ := props(td)["ContainerDefinitions"].([]interface{})
		for _, d := range defs {
			c := d.(obj)
			vars := map[string]interface{}{}
			envs, _ := c["Environment"].([]interface{})
			for _, e := range envs {
				vars[e.(obj)["Name"].(string)] = e.(obj)["Value"]
			}
			secrets, _ := c["Secrets"].([]interface{})
			for _, e := range secrets {
				if !injected {
					break
				}
				vars[e.(obj)["Name"].(string)] = e.(obj)["ValueFrom"]
			}
			out[id+"/"+fmt.Sprint(c["Name"])] = vars
		}
	}
	return out
}

// TestSettingsExist: every THEBRAIN_* variable the stacks set is a setting
// the binary reads (the README's table, which a product test keeps equal
// to platform/config), so a typo cannot silently leave a default in place.
func TestSettingsExist(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(THEBRAIN_[A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		known[m[1]] = true
	}
	if len(known) < 40 {
		t.Fatalf("found only %d settings in README.md's table", len(known))
	}
	seen := 0
	for _, target := range []string{targetAWS, targetLocal} {
		for name, tpl := range synth(t, target).json {
			for id, vars := range environments(tpl, true) {
				for k := range vars {
					if !strings.HasPrefix(k, "THEBRAIN_") {
						continue
					}
					seen++
					if !known[k] {
						t.Errorf("%s %s/%s sets %s, which is no setting of the binary", target, name, id, k)
					}
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no THEBRAIN_* variables found in the templates")
	}
}
