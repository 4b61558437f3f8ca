package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/thebrain/thebrain/platform/testkit"
)

// rieModule and rieVersion pin the AWS Lambda runtime interface emulator
// the Lambda tests run the binary under (docs/deploy.md; the Makefile
// installs the same version for make test).
const (
	rieModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"
)

// TestRIEVersionPinnedOnce: make test installs the emulator version the
// tests build when THEBRAIN_RIE is not set.
func TestRIEVersionPinnedOnce(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "RIE_VERSION := "+rieVersion+"\n") {
		t.Fatalf("the Makefile's RIE_VERSION is not %s", rieVersion)
	}
}

func TestLambdaMode(t *testing.T) {
	t.Parallel()
	for handler, want := range map[string]string{"": "lambda", "bootstrap": "lambda", "lambda": "lambda", "api": "lambda", "authorizer": "authorizer", "migrate": "migrate-lambda"} {
		if got, err := lambdaMode(handler); err != nil || got != want {
			t.Errorf("_HANDLER=%q: %q, %v; want %q", handler, got, err, want)
		}
	}
	// An unknown handler is a deployment mistake: say so instead of
	// serving the API where an authorizer was meant, or the reverse.
	env := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "_HANDLER": "main.handler", "THEBRAIN_DATA_DIR": t.TempDir()}
	err := run(context.Background(), []string{"bootstrap"}, envMap(env), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `_HANDLER="main.handler"`) {
		t.Fatalf("err = %v, want it to name the handler", err)
	}
}

// TestGatewayBinaryAnswer: a body that is not UTF-8 leaves as base64 with
// isBase64Encoded, which API Gateway decodes for clients that accept
// binary (the binary media types of the REST API).
func TestGatewayBinaryAnswer(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 256)
	for i := range payload {
		payload[i] = byte(i)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(payload)
	})
	g := &gatewayHandler{adapter: httpadapter.New(lambdaRequestID(h)), log: testkit.Logger(t)}
	ev, _ := json.Marshal(restEvent{Method: "GET", Path: "/blob"}.JSON())
	out, err := g.Invoke(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode      int
		Body            string
		IsBase64Encoded bool
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(resp.Body)
	if resp.StatusCode != 200 || !resp.IsBase64Encoded || err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("answer %s: want the 256 bytes base64-encoded", out)
	}
}

// restEvent is an API Gateway REST (v1) proxy integration event as API
// Gateway sends it for a {proxy+} resource on stage prod.
type restEvent struct {
	Method  string
	Path    string
	Headers map[string][]string
	Query   map[string][]string
	Body    []byte
	Base64  bool
	ID      string // requestContext.requestId; empty: a fresh one
}

var eventSeq atomic.Int64

func (e restEvent) JSON() map[string]any {
	id := e.ID
	if id == "" {
		id = fmt.Sprintf("c6af9ac6-7b61-11e6-9a41-%012d", eventSeq.Add(1))
	}
	single := func(m map[string][]string) any {
		if len(m) == 0 {
			return nil
		}
		out := map[string]string{}
		for k, v := range m {
			out[k] = v[len(v)-1] // API Gateway keeps the last value
		}
		return out
	}
	multi := func(m map[string][]string) any {
		if len(m) == 0 {
			return nil
		}
		return m
	}
	headers := map[string][]string{
		"Host":              {"abc123def4.execute-api.eu-west-1.amazonaws.com"},
		"User-Agent":        {"lambda-rie-test/1.0"},
		"X-Forwarded-For":   {"203.0.113.9"},
		"X-Forwarded-Port":  {"443"},
		"X-Forwarded-Proto": {"https"},
		"X-Amzn-Trace-Id":   {"Root=1-5e1b4151-5ac6c58f5b5dbd6a4d7a0e35"},
	}
	for k, v := range e.Headers {
		headers[k] = v
	}
	var body any
	if e.Body != nil {
		if e.Base64 {
			body = base64.StdEncoding.EncodeToString(e.Body)
		} else {
			body = string(e.Body)
		}
	}
	now := time.Now()
	return map[string]any{
		"resource":                        "/{proxy+}",
		"path":                            e.Path,
		"httpMethod":                      e.Method,
		"headers":                         single(headers),
		"multiValueHeaders":               multi(headers),
		"queryStringParameters":           single(e.Query),
		"multiValueQueryStringParameters": multi(e.Query),
		"pathParameters":                  map[string]string{"proxy": strings.TrimPrefix(e.Path, "/")},
		"stageVariables":                  nil,
		"requestContext": map[string]any{
			"accountId":         "123456789012",
			"resourceId":        "us4z18",
			"stage":             "prod",
			"requestId":         id,
			"extendedRequestId": "ext-" + id,
			"requestTime":       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			"requestTimeEpoch":  now.UnixMilli(),
			"path":              "/prod" + e.Path,
			"resourcePath":      "/{proxy+}",
			"httpMethod":        e.Method,
			"protocol":          "HTTP/1.1",
			"apiId":             "abc123def4",
			"domainName":        "abc123def4.execute-api.eu-west-1.amazonaws.com",
			"identity":          map[string]any{"sourceIp": "203.0.113.9", "userAgent": "lambda-rie-test/1.0"},
		},
		"body":            body,
		"isBase64Encoded": e.Base64,
	}
}
