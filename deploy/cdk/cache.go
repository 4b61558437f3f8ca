package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// cache is ElastiCache Redis: the revocation denylist, rate limits, the AI
// answer cache and collaboration fan-out.
type cache struct {
	url   *string                  // THEBRAIN_REDIS_URL: rediss://host:port/0 (TLS; no password in it)
	token awssecretsmanager.Secret // THEBRAIN_REDIS_SECRET_ARN: the AUTH token
}

func newCache(stack awscdk.Stack, n *network) *cache {
	subnets := n.vpc.SelectSubnets(dataSubnets()).SubnetIds
	ids := make([]interface{}, 0, len(*subnets))
	for _, id := range *subnets {
		ids = append(ids, id)
	}
	group := awselasticache.NewCfnSubnetGroup(stack, jsii.String("SubnetGroup"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("The Brain cache subnets"),
		SubnetIds:   &ids,
	})
	// The AUTH token: 64 letters and digits (ElastiCache allows 16-128
	// printable characters but not all punctuation). The cluster gets it
	// through a CloudFormation dynamic reference, the app by ARN: the
	// value is in no template.
	token := awssecretsmanager.NewSecret(stack, jsii.String("AuthToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("The Brain Redis AUTH token (THEBRAIN_REDIS_SECRET_ARN)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	// One cache.t4g.micro node (the smallest; no replica, no failover):
	// everything in it can be lost (a lost denylist entry is re-checked
	// against the database by the API). TLS, an AUTH token and the
	// security group guard it.
	rg := awselasticache.NewCfnReplicationGroup(stack, jsii.String("Redis"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("The Brain Redis"),
		Engine:                      jsii.String("redis"),
		EngineVersion:               jsii.String("7.1"),
		CacheNodeType:               jsii.String("cache.t4g.micro"),
		NumCacheClusters:            jsii.Number(1),
		AutomaticFailoverEnabled:    jsii.Bool(false),
		TransitEncryptionEnabled:    jsii.Bool(true),
		AuthToken:                   token.SecretValue().UnsafeUnwrap(), // {{resolve:secretsmanager:…}}, not the value
		AtRestEncryptionEnabled:     jsii.Bool(true),
		CacheSubnetGroupName:        group.Ref(),
		SecurityGroupIds:            &[]*string{n.cache.SecurityGroupId()},
		Port:                        jsii.Number(redisPort),
	})
	url := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("rediss://"), rg.AttrPrimaryEndPointAddress(), jsii.String(":"), rg.AttrPrimaryEndPointPort(), jsii.String("/0"),
	})
	return &cache{url: url, token: token}
}
