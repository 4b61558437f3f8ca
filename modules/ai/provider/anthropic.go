package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// AnthropicConfig configures the Anthropic provider.
type AnthropicConfig struct {
	APIKey string
	// BaseURL without /v1 (the SDK adds it); empty is Anthropic's API.
	BaseURL string
	// HTTPClient carries the calls; nil uses NewHTTPClient().
	HTTPClient *http.Client
}

type anthropicProvider struct {
	client anthropic.Client
}

// NewAnthropic returns the Anthropic provider.
func NewAnthropic(c AnthropicConfig) Provider {
	hc := c.HTTPClient
	if hc == nil {
		hc = NewHTTPClient()
	}
	opts := []option.RequestOption{
		// Our configuration is the only source: no ANTHROPIC_* variables,
		// profiles or federation from the environment.
		option.WithoutEnvironmentDefaults(),
		option.WithHTTPClient(hc),
		option.WithAPIKey(c.APIKey),
		option.WithMaxRetries(0), // the Chain is the one retry loop
	}
	if c.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(c.BaseURL))
	}
	return &anthropicProvider{client: anthropic.NewClient(opts...)}
}

func (p *anthropicProvider) Name() string { return Anthropic }

func (p *anthropicProvider) params(r Request) (anthropic.MessageNewParams, error) {
	msgs := make([]anthropic.MessageParam, 0, len(r.Messages))
	for _, m := range r.Messages {
		if m.Role == Assistant {
			msgs = append(msgs, anthropic.NewAssistantMessage(anthropic.NewTextBlock(m.Content)))
		} else {
			msgs = append(msgs, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(r.Model),
		MaxTokens: int64(r.MaxTokens),
		Messages:  msgs,
	}
	if r.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: r.System}}
	}
	if len(r.Schema) > 0 {
		var schema map[string]any
		if err := json.Unmarshal(r.Schema, &schema); err != nil {
			return params, err
		}
		params.OutputConfig = anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: schema}}
	}
	return params, nil
}

func (p *anthropicProvider) Complete(ctx context.Context, r Request) (Response, error) {
	params, err := p.params(r)
	if err != nil {
		return Response{}, &Error{Provider: Anthropic, Type: "schema", Err: err}
	}
	msg, err := p.client.Messages.New(ctx, params)
	if err != nil {
		return Response{}, classifyAnthropic(err)
	}
	return anthropicResponse(msg)
}

func (p *anthropicProvider) Stream(ctx context.Context, r Request, onDelta func(string) error) (Response, error) {
	params, err := p.params(r)
	if err != nil {
		return Response{}, &Error{Provider: Anthropic, Type: "schema", Err: err}
	}
	stream := p.client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	var msg anthropic.Message
	stopped := false
	for stream.Next() {
		ev := stream.Current()
		if err := msg.Accumulate(ev); err != nil {
			return Response{}, &Error{Provider: Anthropic, Type: "stream out of order", Retryable: true, Err: err}
		}
		switch ev.Type {
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
				if err := onDelta(ev.Delta.Text); err != nil {
					return Response{}, err
				}
			}
		case "message_stop":
			stopped = true
		}
	}
	if err := stream.Err(); err != nil {
		return Response{}, classifyAnthropic(err)
	}
	if !stopped {
		return Response{}, &Error{Provider: Anthropic, Type: "stream ended early", Retryable: true, Err: errors.New("no message_stop")}
	}
	return anthropicResponse(&msg)
}

func anthropicResponse(msg *anthropic.Message) (Response, error) {
	if msg.StopReason == anthropic.StopReasonRefusal {
		return Response{}, &Error{Provider: Anthropic, Type: "refusal", Refusal: true, Err: errors.New("refused")}
	}
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	finish := string(msg.StopReason)
	switch msg.StopReason {
	case anthropic.StopReasonEndTurn, anthropic.StopReasonStopSequence:
		finish = "stop"
	case anthropic.StopReasonMaxTokens:
		finish = "length"
	}
	return Response{
		Text: text.String(), FinishReason: finish, Model: string(msg.Model),
		Usage: Usage{InputTokens: int(msg.Usage.InputTokens), OutputTokens: int(msg.Usage.OutputTokens)},
	}, nil
}

// classifyAnthropic turns an SDK error into *Error. An error event inside a
// stream arrives as an API error with status 200: its type says what the
// status would have been.
func classifyAnthropic(err error) *Error {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		typ := string(apiErr.Type())
		status := apiErr.StatusCode
		if status < 400 {
			status = anthropicStatus(typ)
		}
		var h http.Header
		if apiErr.Response != nil && apiErr.StatusCode >= 400 {
			h = apiErr.Response.Header
		}
		return fromStatus(Anthropic, status, typ, h, err)
	}
	return fromTransport(Anthropic, err)
}
