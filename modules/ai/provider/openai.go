package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
	"github.com/tidwall/gjson"
)

// OpenAIConfig configures an OpenAI or OpenAI-compatible provider.
type OpenAIConfig struct {
	// APIKey may be empty for a local server that wants none.
	APIKey string
	// BaseURL, with its /v1 (http://localhost:11434/v1 for Ollama); empty
	// is OpenAI's own API.
	BaseURL string
	// HTTPClient carries the calls; nil uses NewHTTPClient().
	HTTPClient *http.Client
}

type openAIProvider struct {
	name   string
	client openai.Client
	// compatible servers get the older request fields (max_tokens, the
	// system role), which Ollama, vLLM and LM Studio understand.
	compatible bool
}

// openAIBaseURL is OpenAI's own API.
const openAIBaseURL = "https://api.openai.com/v1/"

// noKey is sent to a compatible server configured without a key: the SDK
// would otherwise take OPENAI_API_KEY from the environment and send it to a
// server it was never meant for.
const noKey = "none"

// NewOpenAI returns the provider for OpenAI's API ("openai") or, when
// BaseURL names another server, for an OpenAI-compatible one
// ("openai_compatible").
func NewOpenAI(c OpenAIConfig) Provider {
	hc := c.HTTPClient
	if hc == nil {
		hc = NewHTTPClient()
	}
	name, compatible := OpenAI, false
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "https://api.openai.com/") {
		name, compatible = OpenAICompatible, true
	}
	key := c.APIKey
	if key == "" {
		key = noKey
	}
	opts := []option.RequestOption{
		option.WithHTTPClient(hc),
		option.WithAPIKey(key),
		option.WithMaxRetries(0), // the Chain is the one retry loop
	}
	// Always named, so an OPENAI_BASE_URL in the environment (which the
	// SDK reads) never redirects our key elsewhere.
	base := c.BaseURL
	if base == "" {
		base = openAIBaseURL
	}
	opts = append(opts, option.WithBaseURL(base))
	return &openAIProvider{name: name, client: openai.NewClient(opts...), compatible: compatible}
}

func (p *openAIProvider) Name() string { return p.name }

func (p *openAIProvider) params(r Request) (openai.ChatCompletionNewParams, error) {
	msgs := make([]openai.ChatCompletionMessageParamUnion, 0, len(r.Messages)+1)
	if r.System != "" {
		msgs = append(msgs, openai.SystemMessage(r.System))
	}
	for _, m := range r.Messages {
		if m.Role == Assistant {
			msgs = append(msgs, openai.AssistantMessage(m.Content))
		} else {
			msgs = append(msgs, openai.UserMessage(m.Content))
		}
	}
	params := openai.ChatCompletionNewParams{
		Model:       shared.ChatModel(r.Model),
		Messages:    msgs,
		Temperature: openai.Float(r.Temperature),
	}
	if p.compatible {
		params.MaxTokens = openai.Int(int64(r.MaxTokens))
	} else {
		params.MaxCompletionTokens = openai.Int(int64(r.MaxTokens))
	}
	if len(r.Schema) > 0 {
		var schema map[string]any
		if err := json.Unmarshal(r.Schema, &schema); err != nil {
			return params, err
		}
		params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name: r.SchemaName, Schema: schema, Strict: openai.Bool(true),
			}},
		}
	}
	return params, nil
}

func (p *openAIProvider) Complete(ctx context.Context, r Request) (Response, error) {
	params, err := p.params(r)
	if err != nil {
		return Response{}, &Error{Provider: p.name, Type: "schema", Err: err}
	}
	res, err := p.client.Chat.Completions.New(ctx, params)
	if err != nil {
		return Response{}, p.classify(err)
	}
	if len(res.Choices) == 0 {
		return Response{}, &Error{Provider: p.name, Type: "empty answer", Retryable: true, Err: errors.New("no choices")}
	}
	ch := res.Choices[0]
	if ch.Message.Refusal != "" || ch.FinishReason == "content_filter" {
		return Response{}, &Error{Provider: p.name, Type: "refusal", Refusal: true, Err: errors.New("refused")}
	}
	return Response{
		Text: ch.Message.Content, FinishReason: openAIFinish(ch.FinishReason), Model: res.Model,
		Usage: Usage{InputTokens: int(res.Usage.PromptTokens), OutputTokens: int(res.Usage.CompletionTokens)},
	}, nil
}

func (p *openAIProvider) Stream(ctx context.Context, r Request, onDelta func(string) error) (Response, error) {
	params, err := p.params(r)
	if err != nil {
		return Response{}, &Error{Provider: p.name, Type: "schema", Err: err}
	}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := p.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()
	var text strings.Builder
	out := Response{}
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Model != "" {
			out.Model = chunk.Model
		}
		if chunk.Usage.PromptTokens != 0 || chunk.Usage.CompletionTokens != 0 {
			out.Usage = Usage{InputTokens: int(chunk.Usage.PromptTokens), OutputTokens: int(chunk.Usage.CompletionTokens)}
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.Delta.Refusal != "" || ch.FinishReason == "content_filter" {
				return out, &Error{Provider: p.name, Type: "refusal", Refusal: true, Err: errors.New("refused")}
			}
			if ch.Delta.Content != "" {
				text.WriteString(ch.Delta.Content)
				if err := onDelta(ch.Delta.Content); err != nil {
					return out, err
				}
			}
			if ch.FinishReason != "" {
				out.FinishReason = openAIFinish(ch.FinishReason)
			}
		}
	}
	if err := stream.Err(); err != nil {
		return out, p.classify(err)
	}
	out.Text = text.String()
	if out.FinishReason == "" {
		// The stream ended without saying how: a server that hung up
		// early. What came is not a whole answer.
		return out, &Error{Provider: p.name, Type: "stream ended early", Retryable: true, Err: errors.New("no finish_reason")}
	}
	return out, nil
}

// classify turns an SDK error into *Error.
func (p *openAIProvider) classify(err error) *Error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		typ := apiErr.Code
		if typ == "" {
			typ = apiErr.Type
		}
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		return fromStatus(p.name, apiErr.StatusCode, typ, h, err)
	}
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		// An error object in the stream: its type says whether another
		// attempt could help.
		typ := gjson.GetBytes(se.Event.Data, "error.code").String()
		if typ == "" {
			typ = gjson.GetBytes(se.Event.Data, "error.type").String()
		}
		e := &Error{Provider: p.name, Type: "stream error", Retryable: true, Err: err}
		if typ != "" {
			e.Type = typ
		}
		if isRefusalType(typ) || typ == "invalid_request_error" {
			e.Retryable, e.Refusal = false, isRefusalType(typ)
		}
		return e
	}
	return fromTransport(p.name, err)
}

// openAIFinish maps OpenAI's finish reasons onto ours.
func openAIFinish(r string) string {
	switch r {
	case "stop", "":
		return "stop"
	case "length":
		return "length"
	default:
		return r
	}
}
