package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/thebrain/thebrain/platform/awsfake"
	"github.com/thebrain/thebrain/platform/secrets"
)

func newStore(t *testing.T) (*awsfake.SecretsManager, *secrets.Store) {
	t.Helper()
	f := awsfake.NewSecretsManager()
	t.Cleanup(f.Close)
	c := secretsmanager.New(secretsmanager.Options{
		Region: awsfake.Region, BaseEndpoint: aws.String(f.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1,
	})
	return f, secrets.NewStore(c)
}

func TestStoreCachesAndNamesTheARN(t *testing.T) {
	t.Parallel()
	f, s := newStore(t)
	ctx := context.Background()
	arn := f.Put("k", "value-1")
	for range 3 {
		if v, err := s.Get(ctx, arn); err != nil || v != "value-1" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if n := f.Calls("GetSecretValue"); n != 1 {
		t.Fatalf("%d fetches for three reads, want 1 (cached)", n)
	}
	f.Put("k", "value-2")
	if v, _ := s.Get(ctx, arn); v != "value-1" {
		t.Fatalf("Get after rotation = %q: the cache holds until a refresh", v)
	}
	if v, err := s.Refresh(ctx, arn); err != nil || v != "value-2" {
		t.Fatalf("Refresh = %q, %v", v, err)
	}
	missing := "arn:aws:secretsmanager:us-east-1:000000000000:secret:missing-AbCdEf"
	_, err := s.Get(ctx, missing)
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("err = %v, want ResourceNotFoundException naming the ARN", err)
	}
}

func TestParseDatabase(t *testing.T) {
	t.Parallel()
	const pw = "s3cr3t/p@ss:w?rd"
	for _, tc := range []struct {
		name, secret, base, want, wantErr string
	}{
		{name: "RDS generated", secret: `{"username":"app","password":"` + pw + `","host":"db.cluster-x.eu-west-1.rds.amazonaws.com","port":5432,"dbname":"thebrain","engine":"postgres"}`,
			base: "postgres:///?sslmode=verify-full", want: "postgres://app:s3cr3t%2Fp%40ss%3Aw%3Frd@db.cluster-x.eu-west-1.rds.amazonaws.com:5432/thebrain?sslmode=verify-full"},
		{name: "port as a string, no dbname", secret: `{"username":"app","password":"p","host":"h","port":"6432","engine":"aurora-postgresql"}`,
			want: "postgres://app:p@h:6432/postgres"},
		{name: "host from the URL", secret: `{"username":"app","password":"p"}`, base: "postgres://old@proxy:5432/books?search_path=s",
			want: "postgres://app:p@proxy:5432/books?search_path=s"},
		{name: "no password", secret: `{"username":"app","host":"h"}`, wantErr: "lacks username or password"},
		{name: "mysql", secret: `{"username":"app","password":"p","host":"h","engine":"mysql"}`, wantErr: "not PostgreSQL"},
		{name: "not JSON", secret: pw, wantErr: "is not the JSON"},
		{name: "bad port", secret: `{"username":"app","password":"` + pw + `","host":"h","port":"x"}`, wantErr: "port"},
		{name: "no host anywhere", secret: `{"username":"app","password":"p"}`, wantErr: "no host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := secrets.ParseDatabase(tc.secret)
			var got string
			if err == nil {
				got, err = d.URL(tc.base)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("the error quotes the secret: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("URL = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDatabaseCredentialsRefreshOnce(t *testing.T) {
	t.Parallel()
	f, s := newStore(t)
	ctx := context.Background()
	arn := f.Put("db", `{"username":"app","password":"one","host":"h"}`)
	v, _ := s.Get(ctx, arn)
	d, _ := secrets.ParseDatabase(v)
	var events []string
	c := secrets.NewDatabaseCredentials(s, arn, d, func(changed bool, err error) {
		events = append(events, map[bool]string{true: "changed", false: "same"}[changed])
	})
	if u, p := c.Current(); u != "app" || p != "one" {
		t.Fatalf("Current = %s/%s", u, p)
	}
	f.Put("db", `{"username":"app","password":"two","host":"h"}`)
	if !c.Refused(ctx) {
		t.Fatal("Refused after a rotation: want changed")
	}
	if _, p := c.Current(); p != "two" {
		t.Fatalf("password after refresh = %q", p)
	}
	// Several refusals at once (every connection of a pool) cost one fetch.
	before := f.Calls("GetSecretValue")
	for range 5 {
		if c.Refused(ctx) {
			t.Fatal("a refusal right after a refresh must not fetch again")
		}
	}
	if f.Calls("GetSecretValue") != before || strings.Join(events, ",") != "changed" {
		t.Fatalf("fetches %d→%d, events %v", before, f.Calls("GetSecretValue"), events)
	}
}
