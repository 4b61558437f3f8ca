package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
)

// fast is a policy whose backoff does not slow the tests.
var fast = provider.Policy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func request() provider.Request {
	return provider.Request{
		System:    "You are a careful editor.",
		Messages:  []provider.Message{{Role: provider.User, Content: "Rewrite: the cat sat."}},
		MaxTokens: 200, Temperature: 0.7,
	}
}

func kinds(t *testing.T, fn func(t *testing.T, newFake func(testing.TB) *providertest.Server)) {
	for name, f := range map[string]func(testing.TB) *providertest.Server{
		"openai": providertest.NewOpenAI, "anthropic": providertest.NewAnthropic,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, f)
		})
	}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestAdaptersComplete: a whole answer through each SDK, with its usage,
// the request shape each server expects and the key as a bearer token.
func TestAdaptersComplete(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		f := newFake(t).Then(providertest.Reply{Text: "The cat sat down.", InputTokens: 21, OutputTokens: 5})
		chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m-1"})
		resp, err := chain.Complete(ctxFor(t, 5*time.Second), request())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != "The cat sat down." || resp.Usage != (provider.Usage{InputTokens: 21, OutputTokens: 5}) || resp.FinishReason != "stop" {
			t.Fatalf("resp = %+v", resp)
		}
		if resp.Attempts != 1 || resp.FellBack || resp.Model != "m-1" {
			t.Fatalf("attempts %d, fell back %v, model %q", resp.Attempts, resp.FellBack, resp.Model)
		}
		c := f.Requests()[0]
		if c.System != "You are a careful editor." || c.User != "Rewrite: the cat sat." || c.Model != "m-1" || c.MaxTokens != 200 || c.Stream {
			t.Fatalf("call = %+v", c)
		}
		if !strings.HasPrefix(c.Header.Get("Authorization"), "Bearer test-") {
			t.Fatalf("Authorization = %q", c.Header.Get("Authorization"))
		}
		var body map[string]any
		_ = json.Unmarshal(c.Body, &body)
		if f.Kind == providertest.OpenAI {
			// A server at a base URL is OpenAI-compatible: the older fields.
			if _, ok := body["max_tokens"]; !ok || body["max_completion_tokens"] != nil {
				t.Fatalf("compatible request should send max_tokens only: %s", c.Body)
			}
			if resp.Provider != provider.OpenAICompatible {
				t.Fatalf("provider = %q", resp.Provider)
			}
		} else if c.Header.Get("Anthropic-Version") == "" {
			t.Fatalf("no anthropic-version header")
		}
	})
}

// TestAdaptersStream: a streamed answer arrives in pieces, whole at the
// end, with the usage the stream reported.
func TestAdaptersStream(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		f := newFake(t).Then(providertest.Reply{Chunks: []string{"It was ", "a dark ", "and stormy night"}, InputTokens: 25, OutputTokens: 9})
		chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m-1"})
		var got []string
		resp, err := chain.Stream(ctxFor(t, 5*time.Second), request(), func(s string) error { got = append(got, s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != "It was |a dark |and stormy night" || resp.Text != "It was a dark and stormy night" {
			t.Fatalf("deltas %q, text %q", got, resp.Text)
		}
		if resp.Usage != (provider.Usage{InputTokens: 25, OutputTokens: 9}) || resp.FinishReason != "stop" {
			t.Fatalf("resp = %+v", resp)
		}
		if !f.Requests()[0].Stream {
			t.Fatal("request did not ask for a stream")
		}
	})
}

// TestAttemptsPerStatus: the statuses worth another try get three calls in
// all; the others exactly one.
func TestAttemptsPerStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		calls  int
	}{
		{400, 1}, {401, 1}, {403, 1}, {404, 1}, {422, 1},
		{408, 3}, {409, 3}, {429, 3}, {500, 3}, {502, 3}, {503, 3}, {529, 3},
	}
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		for _, tc := range cases {
			f := newFake(t).Respond(func(providertest.Call) providertest.Reply {
				return providertest.Reply{Status: tc.status, RetryAfter: "0"}
			})
			chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"})
			_, err := chain.Complete(ctxFor(t, 5*time.Second), request())
			pe := provider.AsError(err)
			if pe == nil || pe.Status != tc.status {
				t.Fatalf("status %d: err = %v", tc.status, err)
			}
			if f.Calls() != tc.calls || pe.Attempts != tc.calls {
				t.Errorf("status %d: %d calls (error says %d attempts), want %d", tc.status, f.Calls(), pe.Attempts, tc.calls)
			}
			if strings.Contains(err.Error(), "fake error") {
				t.Errorf("the error repeats the provider's message: %q", err)
			}
		}
		// Success after two overloads: three calls, one answer.
		f := newFake(t).Then(providertest.Reply{Status: 529}, providertest.Reply{Status: 429, RetryAfter: "0"}, providertest.Reply{Text: "fine"})
		resp, err := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"}).Complete(ctxFor(t, 5*time.Second), request())
		if err != nil || resp.Text != "fine" || resp.Attempts != 3 || f.Calls() != 3 {
			t.Fatalf("resp %+v, err %v, calls %d", resp, err, f.Calls())
		}
	})
}

// TestRefusalIsNotRetried: a content-policy refusal is one call, marked.
func TestRefusalIsNotRetried(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		f := newFake(t).Then(providertest.Reply{Refuse: true})
		g := newFake(t)
		chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"}, provider.Link{Provider: g.Provider(), Model: "m"})
		_, err := chain.Complete(ctxFor(t, 5*time.Second), request())
		pe := provider.AsError(err)
		if pe == nil || !pe.Refusal || pe.Retryable {
			t.Fatalf("err = %#v", err)
		}
		if f.Calls() != 1 || g.Calls() != 0 {
			t.Fatalf("calls %d then %d; a refusal is neither retried nor taken elsewhere", f.Calls(), g.Calls())
		}
	})
}

// TestFallbackOrder: the chain asks its links in order, each with its own
// model; spent retries, a wrong key or model move on; a bad request stops.
func TestFallbackOrder(t *testing.T) {
	t.Parallel()
	first, second, third := providertest.NewAnthropic(t), providertest.NewOpenAI(t), providertest.NewAnthropic(t)
	chain := provider.NewChain(fast,
		provider.Link{Provider: first.Provider(), Model: "primary"},
		provider.Link{Provider: second.Provider(), Model: "secondary"},
		provider.Link{Provider: third.Provider(), Model: "tertiary"})

	first.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Status: 529} })
	second.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Status: 401} })
	third.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "from the third"} })
	resp, err := chain.Complete(ctxFor(t, 5*time.Second), request())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "from the third" || !resp.FellBack || resp.Attempts != 5 || resp.Provider != provider.Anthropic || resp.Model != "tertiary" {
		t.Fatalf("resp = %+v", resp)
	}
	if first.Calls() != 3 || second.Calls() != 1 || third.Calls() != 1 {
		t.Fatalf("calls %d, %d, %d; want 3, 1, 1", first.Calls(), second.Calls(), third.Calls())
	}
	if m := second.Requests()[0].Model; m != "secondary" {
		t.Fatalf("second link asked for model %q", m)
	}

	for _, p := range []*providertest.Server{first, second, third} {
		p.Reset()
	}
	first.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Status: 400} })
	_, err = chain.Complete(ctxFor(t, 5*time.Second), request())
	if pe := provider.AsError(err); pe == nil || pe.Status != 400 {
		t.Fatalf("err = %v", err)
	}
	if first.Calls() != 1 || second.Calls() != 0 || third.Calls() != 0 {
		t.Fatalf("a 400 went on: calls %d, %d, %d", first.Calls(), second.Calls(), third.Calls())
	}
}

// TestRetryAfter: a wait the provider asks for is honoured when it fits
// the deadline, and the chain falls back at once when it does not.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	t.Run("too long for the deadline: fall back at once", func(t *testing.T) {
		t.Parallel()
		slow, other := providertest.NewOpenAI(t), providertest.NewAnthropic(t)
		slow.Then(providertest.Reply{Status: 429, RetryAfter: "120"})
		other.Then(providertest.Reply{Text: "elsewhere"})
		chain := provider.NewChain(provider.Policy{}, provider.Link{Provider: slow.Provider(), Model: "a"}, provider.Link{Provider: other.Provider(), Model: "b"})
		start := time.Now()
		resp, err := chain.Complete(ctxFor(t, 25*time.Second), request())
		if err != nil || resp.Text != "elsewhere" {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
		if slow.Calls() != 1 || other.Calls() != 1 {
			t.Fatalf("calls %d, %d", slow.Calls(), other.Calls())
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %s: the chain waited instead of falling back", d)
		}
	})
	t.Run("fits: waited, same provider", func(t *testing.T) {
		t.Parallel()
		f := providertest.NewAnthropic(t).Then(providertest.Reply{Status: 429, RetryAfterMs: "300"}, providertest.Reply{Text: "after the wait"})
		chain := provider.NewChain(provider.Policy{BaseDelay: time.Millisecond}, provider.Link{Provider: f.Provider(), Model: "a"})
		start := time.Now()
		resp, err := chain.Complete(ctxFor(t, 10*time.Second), request())
		if err != nil || resp.Text != "after the wait" || f.Calls() != 2 {
			t.Fatalf("resp %+v, err %v, calls %d", resp, err, f.Calls())
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("retried after %s, before the 300 ms asked for", d)
		}
	})
	t.Run("seconds", func(t *testing.T) {
		t.Parallel()
		f := providertest.NewOpenAI(t).Then(providertest.Reply{Status: 503, RetryAfter: "1"}, providertest.Reply{Text: "ok"})
		chain := provider.NewChain(provider.Policy{BaseDelay: time.Millisecond}, provider.Link{Provider: f.Provider(), Model: "a"})
		start := time.Now()
		if _, err := chain.Complete(ctxFor(t, 10*time.Second), request()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second {
			t.Fatalf("retried after %s, before the second asked for", d)
		}
	})
}

// TestHungProvider: a provider that never answers costs the caller its
// deadline and no more, and the answer is a timeout.
func TestHungProvider(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		f := newFake(t).Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Hang: true} })
		chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"})
		start := time.Now()
		_, err := chain.Complete(ctxFor(t, 500*time.Millisecond), request())
		pe := provider.AsError(err)
		if pe == nil || !pe.Timeout {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %s for a 500 ms budget", d)
		}
	})
	t.Run("attempt timeout within a longer budget: retried, then the next link", func(t *testing.T) {
		t.Parallel()
		hung, ok := providertest.NewAnthropic(t), providertest.NewOpenAI(t)
		hung.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Hang: true} })
		p := fast
		p.AttemptTimeout = 100 * time.Millisecond
		chain := provider.NewChain(p, provider.Link{Provider: hung.Provider(), Model: "a"}, provider.Link{Provider: ok.Provider(), Model: "b"})
		resp, err := chain.Complete(ctxFor(t, 20*time.Second), request())
		if err != nil || !resp.FellBack || hung.Calls() != 3 || ok.Calls() != 1 {
			t.Fatalf("resp %+v, err %v, calls %d, %d", resp, err, hung.Calls(), ok.Calls())
		}
	})
}

// TestStreamFailures: before the first text a stream is retried like any
// call; after it, never, and the error says so.
func TestStreamFailures(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		t.Run("mid-stream error", func(t *testing.T) {
			f := newFake(t).Respond(func(providertest.Call) providertest.Reply {
				return providertest.Reply{Chunks: []string{"one ", "two ", "three"}, StreamErrorAfter: 2}
			})
			g := newFake(t)
			chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"}, provider.Link{Provider: g.Provider(), Model: "m"})
			var got []string
			_, err := chain.Stream(ctxFor(t, 5*time.Second), request(), func(s string) error { got = append(got, s); return nil })
			pe := provider.AsError(err)
			if pe == nil || !pe.Streamed || pe.Retryable {
				t.Fatalf("err = %#v", err)
			}
			if f.Calls() != 1 || g.Calls() != 0 || strings.Join(got, "") != "one two " {
				t.Fatalf("calls %d, %d; deltas %q", f.Calls(), g.Calls(), got)
			}
		})
		t.Run("overloaded before the first byte", func(t *testing.T) {
			f := newFake(t).Then(providertest.Reply{Status: 529}, providertest.Reply{Text: "second time lucky"})
			chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"})
			resp, err := chain.Stream(ctxFor(t, 5*time.Second), request(), nil)
			if err != nil || resp.Text != "second time lucky" || f.Calls() != 2 || resp.Attempts != 2 {
				t.Fatalf("resp %+v, err %v, calls %d", resp, err, f.Calls())
			}
		})
		t.Run("idle stream", func(t *testing.T) {
			f := newFake(t).Respond(func(providertest.Call) providertest.Reply {
				return providertest.Reply{Chunks: []string{"a ", "b"}, HangAfter: 1}
			})
			p := fast
			p.IdleTimeout = 200 * time.Millisecond
			chain := provider.NewChain(p, provider.Link{Provider: f.Provider(), Model: "m"})
			start := time.Now()
			_, err := chain.Stream(ctxFor(t, 20*time.Second), request(), nil)
			pe := provider.AsError(err)
			if pe == nil || !pe.Timeout || !pe.Streamed || f.Calls() != 1 {
				t.Fatalf("err %#v, calls %d", err, f.Calls())
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("idle stream took %s to end", d)
			}
		})
		t.Run("caller stops reading", func(t *testing.T) {
			f := newFake(t)
			chain := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"})
			stop := errors.New("client went away")
			_, err := chain.Stream(ctxFor(t, 5*time.Second), request(), func(string) error { return stop })
			if !errors.Is(err, stop) || f.Calls() != 1 {
				t.Fatalf("err %v, calls %d", err, f.Calls())
			}
		})
	})
}

// TestConnectErrors: nobody listening is retried, then reported as a
// connect error.
func TestConnectErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := provider.NewOpenAI(provider.OpenAIConfig{BaseURL: "http://" + addr + "/v1"})
	_, err = provider.NewChain(fast, provider.Link{Provider: p, Model: "m"}).Complete(ctxFor(t, 5*time.Second), request())
	pe := provider.AsError(err)
	if pe == nil || pe.Status != 0 || pe.Type != "connect" || pe.Attempts != 3 {
		t.Fatalf("err = %#v", err)
	}
}

// TestStructuredOutputShape: a schema goes out as each API's structured
// output field.
func TestStructuredOutputShape(t *testing.T) {
	t.Parallel()
	kinds(t, func(t *testing.T, newFake func(testing.TB) *providertest.Server) {
		f := newFake(t).Then(providertest.Reply{Text: `{"issues":[]}`})
		r := request()
		r.Schema = json.RawMessage(`{"type":"object","properties":{"issues":{"type":"array"}},"required":["issues"],"additionalProperties":false}`)
		r.SchemaName = "findings"
		if _, err := provider.NewChain(fast, provider.Link{Provider: f.Provider(), Model: "m"}).Complete(ctxFor(t, 5*time.Second), r); err != nil {
			t.Fatal(err)
		}
		c := f.Requests()[0]
		if !strings.Contains(string(c.Schema), `"issues"`) {
			t.Fatalf("no schema in the request: %s", c.Body)
		}
		var body map[string]any
		_ = json.Unmarshal(c.Body, &body)
		if f.Kind == providertest.OpenAI {
			rf, _ := body["response_format"].(map[string]any)
			if rf["type"] != "json_schema" {
				t.Fatalf("response_format = %v", body["response_format"])
			}
		} else {
			oc, _ := body["output_config"].(map[string]any)
			format, _ := oc["format"].(map[string]any)
			if format["type"] != "json_schema" {
				t.Fatalf("output_config = %v", body["output_config"])
			}
		}
	})
}

// TestNoProvider: an empty chain says so.
func TestNoProvider(t *testing.T) {
	t.Parallel()
	_, err := provider.NewChain(provider.Policy{}).Complete(context.Background(), request())
	if !errors.Is(err, provider.ErrNoProvider) {
		t.Fatalf("err = %v", err)
	}
}

// TestOpenAIOfficialShape: OpenAI's own API gets the newer field, at
// OpenAI's address with our key, whatever OPENAI_* the environment holds
// (the SDK reads them).
func TestOpenAIOfficialShape(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "http://elsewhere.invalid/v1")
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment")
	f := providertest.NewOpenAI(t)
	// Point the official adapter at the fake through a transport that
	// rewrites the host, so the request is built as for OpenAI.
	rt := &rewrite{to: strings.TrimSuffix(f.BaseURL(), "/v1")}
	p := provider.NewOpenAI(provider.OpenAIConfig{APIKey: "k", HTTPClient: &http.Client{Transport: rt}})
	if p.Name() != provider.OpenAI {
		t.Fatalf("name = %q", p.Name())
	}
	if _, err := provider.NewChain(fast, provider.Link{Provider: p, Model: "m"}).Complete(ctxFor(t, 5*time.Second), request()); err != nil {
		t.Fatal(err)
	}
	c := f.Requests()[0]
	if !strings.Contains(string(c.Body), `"max_completion_tokens":200`) || strings.Contains(string(c.Body), `"max_tokens"`) {
		t.Fatalf("body = %s", c.Body)
	}
	if rt.host != "api.openai.com" || c.Header.Get("Authorization") != "Bearer k" {
		t.Fatalf("sent to %s with %q", rt.host, c.Header.Get("Authorization"))
	}
}

type rewrite struct {
	to   string
	host string // the host the request was meant for
}

func (r *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	r.host = req.URL.Host
	u := *req.URL
	target, _ := req.URL.Parse(r.to)
	u.Scheme, u.Host = target.Scheme, target.Host
	req2 := req.Clone(req.Context())
	req2.URL = &u
	req2.Host = target.Host
	return http.DefaultTransport.RoundTrip(req2)
}
