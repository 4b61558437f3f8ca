package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// storage is the uploads bucket (research attachments): private,
// encrypted, TLS only; clients PUT through presigned URLs the API hands
// out and GET through short-lived presigned redirects.
type storage struct {
	bucket awss3.Bucket
}

func newStorage(stack awscdk.Stack, s settings) *storage {
	origins := s.CORSOrigins
	if len(origins) == 0 {
		origins = []string{"*"} // a presigned URL is its own authorisation
	}
	b := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT, awss3.HttpMethods_GET, awss3.HttpMethods_HEAD},
			AllowedOrigins: jsii.Strings(origins...),
			AllowedHeaders: jsii.Strings("Content-Type", "Content-Length", "Content-MD5", "x-amz-*"),
			ExposedHeaders: jsii.Strings("ETag"),
			MaxAge:         jsii.Number(3600),
		}},
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("tidy"),
			// An upload never finished leaves parts that cost money.
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			// A deleted or replaced object is kept 30 days (undo for
			// operators), then removed for good.
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
			ExpiredObjectDeleteMarker:   jsii.Bool(true),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	return &storage{bucket: b}
}
