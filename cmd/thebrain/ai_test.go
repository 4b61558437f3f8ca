package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
	"github.com/thebrain/thebrain/platform/testkit"
)

// newBook signs a user up and creates a book, through the API.
func newBook(t *testing.T, c *testkit.Client) (token, projectID string) {
	t.Helper()
	s := signup(t, c, "author@example.com", "quill-ink-parchment-4711", "Author")
	resp := c.Send(http.MethodPost, "/api/v1/projects", s.AccessToken, map[string]any{"title": "A book"})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var p struct {
		ID string `json:"id"`
	}
	resp.JSON(t, &p)
	return s.AccessToken, p.ID
}

// TestAIWithoutProvider: the server as configured by default (no AI
// provider) serves everything else, and the AI operations answer 503
// naming the settings to set.
func TestAIWithoutProvider(t *testing.T) {
	t.Parallel()
	c := testkit.Server(t, testHandler(t))
	token, project := newBook(t, c)
	resp := c.Send(http.MethodPost, "/api/v1/ai/rewrite", token, map[string]any{"project_id": project, "text": "x", "operation": "shorten"})
	p := testkit.WantProblem(t, resp, http.StatusServiceUnavailable, "unavailable")
	if d, _ := p["detail"].(string); !strings.Contains(d, "THEBRAIN_ANTHROPIC_API_KEY") || !strings.Contains(d, "THEBRAIN_OPENAI_BASE_URL") {
		t.Fatalf("detail %q", d)
	}
	testkit.WantStatus(t, c.Get("/api/v1/ai/usage", token), http.StatusOK)
}

// TestAIFromConfiguration: the settings build the chain as documented: a
// key and base URL make the Anthropic provider, a base URL alone the
// OpenAI-compatible one, Anthropic first; a per-operation chain and model
// override it.
func TestAIFromConfiguration(t *testing.T) {
	t.Parallel()
	anthropic, local := providertest.NewAnthropic(t), providertest.NewOpenAI(t)
	anthropic.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "From Anthropic."} })
	local.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "From the local model."} })
	cfg := testConfig(t)
	cfg.AnthropicAPIKey, cfg.AnthropicBaseURL = "sk-ant-test", anthropic.BaseURL()
	cfg.OpenAIBaseURL, cfg.OpenAIModel = local.BaseURL(), "llama3.2"
	cfg.AIChains = map[string][]string{"summarize": {"openai"}}
	cfg.AIModels = map[string]map[string]string{"expand": {"anthropic": "claude-expand"}}
	c := testkit.Server(t, instance(t, cfg))
	token, project := newBook(t, c)

	var a struct {
		Text, Provider, Model string
	}
	resp := c.Send(http.MethodPost, "/api/v1/ai/expand", token, map[string]any{"project_id": project, "bullets": []string{"a storm"}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &a)
	if a.Text != "From Anthropic." || a.Provider != "anthropic" || a.Model != "claude-expand" {
		t.Fatalf("expand: %+v", a)
	}
	if got := anthropic.Requests()[0].Header.Get("Authorization"); got != "Bearer sk-ant-test" {
		t.Fatalf("Authorization %q", got)
	}
	resp = c.Send(http.MethodPost, "/api/v1/ai/summarize", token, map[string]any{"project_id": project, "text": "Once."})
	testkit.WantStatus(t, resp, http.StatusOK)
	_ = json.Unmarshal(resp.Body, &a)
	if a.Text != "From the local model." || a.Provider != "openai_compatible" || a.Model != "llama3.2" || anthropic.Calls() != 1 {
		t.Fatalf("summarize: %+v", a)
	}
	// The local server was configured without a key: it gets none of ours.
	if got := local.Requests()[0].Header.Get("Authorization"); strings.Contains(got, "sk-") {
		t.Fatalf("Authorization %q", got)
	}
}
