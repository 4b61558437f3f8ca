// Package secrets reads secret settings from AWS Secrets Manager by ARN:
// fetched once (at a Lambda's cold start), kept in memory, and fetched
// anew only when a backend refuses what was fetched (a rotated database
// password). Values never reach a log line or an error message; errors
// name the ARN.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Client is the part of the Secrets Manager API the store uses
// (*secretsmanager.Client).
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// FetchTimeout bounds one fetch, retries included: a cold start that
// cannot reach Secrets Manager fails instead of hanging until Lambda's
// init timeout.
const FetchTimeout = 10 * time.Second

// Store fetches secret strings by ARN and caches them for the life of the
// process.
type Store struct {
	client Client

	mu    sync.Mutex
	cache map[string]string
}

// NewStore fetches with client.
func NewStore(client Client) *Store {
	return &Store{client: client, cache: map[string]string{}}
}

// NewAWSStore fetches with the SDK's default configuration (region and
// credentials from the AWS_* environment Lambda and ECS set), at endpoint
// when not empty (a local Secrets Manager-compatible server).
func NewAWSStore(ctx context.Context, endpoint string) (*Store, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return NewStore(client), nil
}

// Get returns the secret's current value, from memory after the first
// fetch.
func (s *Store) Get(ctx context.Context, arn string) (string, error) {
	s.mu.Lock()
	v, ok := s.cache[arn]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	return s.Refresh(ctx, arn)
}

// Refresh fetches the secret's current value anew and caches it.
func (s *Store) Refresh(ctx context.Context, arn string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", arn, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s: has no SecretString (binary secrets are not supported)", arn)
	}
	v := *out.SecretString
	s.mu.Lock()
	s.cache[arn] = v
	s.mu.Unlock()
	return v, nil
}

// Database is the JSON Secrets Manager keeps for an RDS or Aurora
// database (what a generated secret holds, and what rotation rewrites).
type Database struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Host     string `json:"host"`
	Port     int    `json:"-"`
	DBName   string `json:"dbname"`
	Engine   string `json:"engine"`
}

// ParseDatabase reads the RDS secret format: {"username", "password",
// "host", "port", "dbname", "engine"}; port (a number or a string)
// defaults to 5432, dbname to the URL's or "postgres". The error never
// quotes the value.
func ParseDatabase(v string) (Database, error) {
	var d Database
	var raw struct {
		Port json.RawMessage `json:"port"`
	}
	if json.Unmarshal([]byte(v), &d) != nil || json.Unmarshal([]byte(v), &raw) != nil {
		return Database{}, errors.New("is not the JSON of an RDS database secret")
	}
	if d.Username == "" || d.Password == "" {
		return Database{}, errors.New("lacks username or password")
	}
	if d.Engine != "" && d.Engine != "postgres" && d.Engine != "aurora-postgresql" {
		return Database{}, fmt.Errorf("is for engine %q, not PostgreSQL", d.Engine)
	}
	d.Port = 5432
	if len(raw.Port) > 0 && string(raw.Port) != "null" {
		p, err := strconv.Atoi(string(trimQuotes(raw.Port)))
		if err != nil || p < 1 || p > 65535 {
			return Database{}, errors.New("has a port that is not a number from 1 to 65535")
		}
		d.Port = p
	}
	return d, nil
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// URL is base (a postgres:// URL for the connection's options, such as
// sslmode; empty for none) with the secret's user, password, host, port
// and database.
func (d Database) URL(base string) (string, error) {
	if base == "" {
		base = "postgres:///"
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", errors.New("the database URL does not parse")
	}
	u.User = url.UserPassword(d.Username, d.Password)
	if d.Host != "" {
		u.Host = d.Host + ":" + strconv.Itoa(d.Port)
	}
	if u.Host == "" {
		return "", errors.New("names no host (and neither does THEBRAIN_DATABASE_URL)")
	}
	switch {
	case d.DBName != "":
		u.Path = "/" + d.DBName
	case u.Path == "" || u.Path == "/":
		u.Path = "/postgres"
	}
	return u.String(), nil
}

// DatabaseCredentials gives a database pool the user and password of the
// secret at ARN, re-reading the secret once when the server refuses them
// (the password was rotated since the cold start). It implements
// db.Credentials.
type DatabaseCredentials struct {
	store *Store
	arn   string
	// minRefresh spaces re-reads: refusals of several connections at once
	// cost one fetch, and a password that is simply wrong does not turn
	// every request into a Secrets Manager call.
	minRefresh time.Duration
	onRefresh  func(changed bool, err error) // told how each re-read ended (logging)

	mu        sync.Mutex
	user      string
	password  string
	refreshed time.Time
}

// NewDatabaseCredentials starts from d, fetched from arn in store.
func NewDatabaseCredentials(store *Store, arn string, d Database, onRefresh func(changed bool, err error)) *DatabaseCredentials {
	return &DatabaseCredentials{store: store, arn: arn, user: d.Username, password: d.Password, minRefresh: 5 * time.Second, onRefresh: onRefresh}
}

// Current returns the user and password to connect with.
func (c *DatabaseCredentials) Current() (user, password string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.password
}

// Refused re-reads the secret, at most once per minRefresh, and reports
// whether the credentials changed (a retry is worth it).
func (c *DatabaseCredentials) Refused(ctx context.Context) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.refreshed.IsZero() && time.Since(c.refreshed) < c.minRefresh {
		return false
	}
	c.refreshed = time.Now()
	v, err := c.store.Refresh(ctx, c.arn)
	if err == nil {
		var d Database
		if d, err = ParseDatabase(v); err != nil {
			err = fmt.Errorf("secret %s: %w", c.arn, err)
		} else if d.Username != c.user || d.Password != c.password {
			c.user, c.password = d.Username, d.Password
			if c.onRefresh != nil {
				c.onRefresh(true, nil)
			}
			return true
		}
	}
	if c.onRefresh != nil {
		c.onRefresh(false, err)
	}
	return false
}
