package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/httpx"
)

// lambdaMode picks the mode of a process Lambda started with no arguments
// (a custom runtime's bootstrap) from the function's handler setting,
// which Lambda passes as _HANDLER. One asset serves both functions.
func lambdaMode(handler string) (string, error) {
	switch handler {
	case "", "bootstrap", "lambda", "api":
		return "lambda", nil
	case "authorizer":
		return "authorizer", nil // the same binary deployed as the TOKEN authorizer
	case "migrate":
		return "migrate-lambda", nil // the migrations function a deploy invokes
	}
	return "", usageError{fmt.Sprintf("unknown Lambda handler _HANDLER=%q: use bootstrap (or lambda) for the API, authorizer for the TOKEN authorizer, migrate for the migrations function", handler)}
}

// serveLambda answers API Gateway REST (v1) events with the same handler as
// serve. It never migrates (a deploy step does) and starts no background
// work, since the sandbox is frozen between invocations.
func serveLambda(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	cfg.DatabaseMaxConns = cfg.LambdaDatabaseMaxConns // a sandbox serves one request at a time
	logger.InfoContext(ctx, "starting", slog.String("mode", "lambda"), slog.String("version", buildVersion()), slog.Any("config", cfg))
	if cfg.S3Bucket == "" {
		// The local file store would keep attachments on the sandbox's
		// own disk, which Lambda discards.
		logger.WarnContext(ctx, "no THEBRAIN_S3_BUCKET: research attachments would be kept on the sandbox's disk and lost; set the bucket (the CDK app does)")
	}
	b, err := openBackendsFor(ctx, cfg, logger, false, true)
	if err != nil {
		return err
	}
	// The proxy buffers whole responses: an AI stream is answered as one
	// JSON body (docs/ai.md).
	b.buffered = true
	h, _, err := newHandler(cfg, logger, b)
	if err != nil {
		b.Close()
		return err
	}
	gw := &gatewayHandler{adapter: httpadapter.New(lambdaRequestID(h)), log: logger}
	// Init ends here: what follows is the runtime API's long poll for the
	// first event. docs/perf.md, "Lambda cold start".
	logger.InfoContext(ctx, "lambda ready", slog.Duration("init", time.Since(processStart)))
	lambda.StartWithOptions(gw, lambda.WithContext(ctx), lambda.WithEnableSIGTERM(b.Close))
	return nil
}

// gatewayHandler turns Lambda invocations into HTTP requests. It takes the
// raw event so that a payload that is not an API Gateway REST proxy event
// (garbage, another event type, a test invocation from the console) gets a
// problem+json 400 instead of an error that API Gateway would turn into a
// bare 502, and so that nothing in an invocation can end the process.
type gatewayHandler struct {
	adapter *httpadapter.HandlerAdapter
	log     *slog.Logger
}

// notProxyEvent is the detail of the answer to a malformed event.
const notProxyEvent = "the Lambda event is not an API Gateway REST (v1) proxy event"

// Invoke implements lambda.Handler: the payload arrives as bytes, even
// when it is not JSON.
func (g *gatewayHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	resp, err := g.handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}

func (g *gatewayHandler) handle(ctx context.Context, raw []byte) (resp events.APIGatewayProxyResponse, err error) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil || ev.HTTPMethod == "" || ev.Path == "" {
		g.log.WarnContext(ctx, "lambda: malformed event", slog.Int("bytes", len(raw)))
		return problemResponse(ctx, ev, apperr.New(apperr.Invalid, notProxyEvent)), nil
	}
	defer func() {
		// The router recovers handler panics itself; this catches the
		// adapter's, which would otherwise end the process (the Lambda
		// runtime exits after reporting a panic).
		if v := recover(); v != nil {
			g.log.ErrorContext(ctx, "lambda: panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			resp, err = problemResponse(ctx, ev, fmt.Errorf("panic: %v", v)), nil
		}
	}()
	resp, err = g.adapter.ProxyWithContext(ctx, ev)
	if err != nil {
		// The adapter fails before the router runs when the event cannot
		// be a request (a body flagged base64 that is not, a bad method)
		// and after it when the response cannot be built.
		g.log.WarnContext(ctx, "lambda: event not served", slog.String("error", err.Error()))
		return problemResponse(ctx, ev, apperr.Wrap(apperr.Invalid, notProxyEvent+": "+err.Error(), err)), nil
	}
	return resp, nil
}

// problemResponse is err as the problem+json answer the router would have
// given, for events that never reach it.
func problemResponse(ctx context.Context, ev events.APIGatewayProxyRequest, err error) events.APIGatewayProxyResponse {
	id := ev.RequestContext.RequestID
	if id == "" {
		id = httpx.NewRequestID()
	}
	r, rerr := http.NewRequestWithContext(httpx.WithRequestID(ctx, id), http.MethodGet, "/", nil)
	if rerr != nil {
		panic(rerr) // a constant URL: cannot fail
	}
	if ev.Path != "" && len(ev.Path) < 1024 {
		r.URL.Path = ev.Path
	}
	w := core.NewProxyResponseWriter()
	w.Header().Set(httpx.RequestIDHeader, id)
	httpx.WriteError(w, r, err)
	resp, gerr := w.GetProxyResponse()
	if gerr != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusInternalServerError}
	}
	return resp
}

// lambdaRequestID makes API Gateway's request ID ours, so our logs and API
// Gateway's can be joined: it wins over an X-Request-Id the client sent.
func lambdaRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok && gw.RequestID != "" {
			r = r.WithContext(httpx.WithRequestID(r.Context(), gw.RequestID))
			r.Header.Del(httpx.RequestIDHeader)
		}
		next.ServeHTTP(w, r)
	})
}
