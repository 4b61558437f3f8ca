package ai

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/testkit"
)

// threeVersions is a creative rewrite's answer as the prompt asks for it.
const threeVersions = "First version.\n<<<NEXT>>>\nSecond version.\n<<<NEXT>>>\nThird version."

// TestNoProviderAnswers503: without a provider every operation answers
// 503 naming the settings to set; the usage endpoint still answers.
func TestNoProviderAnswers503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{noProviders: true})
	for _, op := range Operations {
		resp := e.post(t, string(op), e.editor.Token, map[string]any{"project_id": e.project})
		p := testkit.WantProblem(t, resp, http.StatusServiceUnavailable, "unavailable")
		for _, setting := range []string{"THEBRAIN_ANTHROPIC_API_KEY", "THEBRAIN_OPENAI_API_KEY", "THEBRAIN_OPENAI_BASE_URL"} {
			if !strings.Contains(p["detail"].(string), setting) {
				t.Errorf("%s: detail %q does not name %s", op, p["detail"], setting)
			}
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", op)
		}
	}
	testkit.WantStatus(t, e.c.Get("/api/v1/ai/usage", e.editor.Token), http.StatusOK)
	testkit.WantProblem(t, e.post(t, "expand", "", map[string]any{}), http.StatusUnauthorized, "unauthenticated")
}

// TestRoles: editors and owners may run AI on a book; commenters and
// viewers are refused; a non-member learns nothing (404).
func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{limits: Limits{HourlyRequests: 1000}})
	e.primary.Respond(func(c providertest.Call) providertest.Reply {
		if strings.Contains(c.System, "<<<NEXT>>>") {
			return providertest.Reply{Text: threeVersions}
		}
		return providertest.Reply{Text: "Some prose."}
	})
	ch := e.addChapter(t, e.project, "One", "It was a bright cold day.")
	body := func(op string) func(*testing.T, testkit.Caller) testkit.Request {
		return func(t *testing.T, c testkit.Caller) testkit.Request {
			b := map[string]any{"project_id": e.project}
			switch op {
			case "expand":
				b["bullets"] = []string{"she arrives", "the storm breaks", c.Name}
			case "rewrite":
				b["text"], b["operation"] = "The cat sat. "+c.Name, "rephrase"
			case "summarize":
				b["text"] = "A long text about " + c.Name
			case "draft":
				b["topic"], b["beats"] = "The storm", []string{"arrival"}
			case "consistency":
				b["chapter_ids"] = []uuid.UUID{ch}
			}
			return testkit.Request{Method: http.MethodPost, Path: "/api/v1/ai/" + op, Body: b}
		}
	}
	testkit.RunRoleMatrix(t, e.c, e.callers(), []testkit.RoleCase{
		{Name: "expand", Least: roles.Editor, Request: body("expand"), OK: http.StatusOK},
		{Name: "rewrite", Least: roles.Editor, Request: body("rewrite"), OK: http.StatusOK},
		{Name: "summarize", Least: roles.Editor, Request: body("summarize"), OK: http.StatusOK},
		{Name: "draft", Least: roles.Editor, Request: body("draft"), OK: http.StatusAccepted},
		{Name: "consistency", Least: roles.Editor, Request: body("consistency"), OK: http.StatusAccepted},
		{Name: "style", Least: roles.Viewer, OK: http.StatusOK, Request: func(*testing.T, testkit.Caller) testkit.Request {
			return testkit.Request{Method: http.MethodGet, Path: "/api/v1/projects/" + e.project.String() + "/ai/style"}
		}},
		{Name: "put style", Least: roles.Editor, OK: http.StatusOK, Request: func(*testing.T, testkit.Caller) testkit.Request {
			return testkit.Request{Method: http.MethodPut, Path: "/api/v1/projects/" + e.project.String() + "/ai/style",
				Body: map[string]any{"sample": "Short sentences. Dry wit."}}
		}},
	})
}

// TestOtherBooksAndChapters: another user's book, a chapter of another
// book, a chapter that does not exist: all 404, with no provider call.
func TestOtherBooksAndChapters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	foreign := e.addChapter(t, e.other, "Theirs", "Their text.")
	mine := e.addChapter(t, e.project, "Mine", "My text.")
	cases := []struct {
		op   string
		body map[string]any
	}{
		{"rewrite", map[string]any{"project_id": e.other, "text": "x", "operation": "shorten"}},
		{"rewrite", map[string]any{"project_id": e.project, "chapter_id": foreign, "text": "x", "operation": "shorten"}},
		{"expand", map[string]any{"project_id": e.project, "chapter_id": uuid.New(), "bullets": []string{"a"}}},
		{"summarize", map[string]any{"project_id": e.project, "chapter_id": foreign}},
		{"summarize", map[string]any{"project_id": e.other, "chapter_id": foreign}},
		{"draft", map[string]any{"project_id": e.other, "topic": "t"}},
		{"consistency", map[string]any{"project_id": e.project, "chapter_ids": []uuid.UUID{mine, foreign}}},
		{"consistency", map[string]any{"project_id": e.other}},
	}
	for _, tc := range cases {
		testkit.WantProblem(t, e.post(t, tc.op, e.editor.Token, tc.body), http.StatusNotFound, "not-found")
	}
	if n := e.primary.Calls() + e.fallback.Calls(); n != 0 {
		t.Fatalf("%d provider calls for requests that were refused", n)
	}
	if n := e.count(t, "SELECT count(*) FROM jobs"); n != 0 {
		t.Fatalf("%d jobs for refused requests", n)
	}
}

// TestCacheScopedToUser: an identical request is answered from the cache
// for the same user only; another user's identical request is a miss, and
// regenerate bypasses the cache.
func TestCacheScopedToUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: threeVersions} })
	req := map[string]any{"project_id": e.project, "text": "The cat sat on the mat.", "operation": "rephrase"}

	first := answerOf(t, e.post(t, "rewrite", e.editor.Token, req))
	if first.Cached || len(first.Variants) != 3 || first.Text != "First version." || first.Provider != "anthropic" || first.Model != "claude-test" {
		t.Fatalf("first answer: %+v", first)
	}
	again := answerOf(t, e.post(t, "rewrite", e.editor.Token, req))
	if !again.Cached || strings.Join(again.Variants, "|") != strings.Join(first.Variants, "|") || e.primary.Calls() != 1 {
		t.Fatalf("second answer %+v after %d calls; want the cached one", again, e.primary.Calls())
	}
	// The owner sends the very same request: their own miss.
	theirs := answerOf(t, e.post(t, "rewrite", e.owner.Token, req))
	if theirs.Cached || e.primary.Calls() != 2 {
		t.Fatalf("another user's identical request: cached %v after %d calls", theirs.Cached, e.primary.Calls())
	}
	// regenerate asks again, and keeps nothing.
	req["regenerate"] = true
	regen := answerOf(t, e.post(t, "rewrite", e.editor.Token, req))
	if regen.Cached || e.primary.Calls() != 3 {
		t.Fatalf("regenerate: cached %v after %d calls", regen.Cached, e.primary.Calls())
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE cache_hit"); n != 1 {
		t.Fatalf("%d cache hits recorded, want 1", n)
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE user_id = $1 AND NOT cache_hit AND outcome = 'ok' AND provider = 'anthropic' AND model = 'claude-test' AND template_id = 'rewrite' AND input_tokens > 0", e.editor.ID); n != 2 {
		t.Fatalf("%d provider calls recorded for the editor, want 2", n)
	}
}

// TestHourlyLimit: the 11th request in an hour is 429 with Retry-After,
// while an answer already given is still served from the cache.
func TestHourlyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	req := func(i int) map[string]any {
		return map[string]any{"project_id": e.project, "text": "Sentence number " + string(rune('a'+i)) + ".", "operation": "fix_grammar"}
	}
	for i := range 10 {
		answerOf(t, e.post(t, "rewrite", e.editor.Token, req(i)))
	}
	resp := e.post(t, "rewrite", e.editor.Token, req(10))
	testkit.WantProblem(t, resp, http.StatusTooManyRequests, "rate-limited")
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	cached := answerOf(t, e.post(t, "rewrite", e.editor.Token, req(3)))
	if !cached.Cached {
		t.Fatal("a cached answer was not served after the limit")
	}
	if e.primary.Calls() != 10 {
		t.Fatalf("%d provider calls, want 10", e.primary.Calls())
	}
	// Another user has their own allowance.
	answerOf(t, e.post(t, "rewrite", e.owner.Token, req(10)))
}

// TestFallbackThroughTheAPI: the primary overloaded, the fallback answers;
// the record says so.
func TestFallbackThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Status: 529} })
	e.fallback.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "From the fallback."} })
	a := answerOf(t, e.post(t, "summarize", e.editor.Token, map[string]any{"project_id": e.project, "text": "Once upon a time."}))
	if a.Text != "From the fallback." || a.Provider != "openai_compatible" || a.Model != "gpt-test" {
		t.Fatalf("answer %+v", a)
	}
	if e.primary.Calls() != 3 || e.fallback.Calls() != 1 {
		t.Fatalf("calls %d, %d; want 3 then 1", e.primary.Calls(), e.fallback.Calls())
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE fallback_used AND attempts = 4 AND provider = 'openai_compatible'"); n != 1 {
		t.Fatalf("the record does not show the fallback")
	}
}

// TestRetryAfterTooLongFallsBackAtOnce: a provider asking for 120 s on a
// synchronous call is not waited for.
func TestRetryAfterTooLongFallsBackAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Status: 429, RetryAfter: "120"} })
	e.fallback.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "Quick."} })
	start := time.Now()
	a := answerOf(t, e.post(t, "summarize", e.editor.Token, map[string]any{"project_id": e.project, "text": "Text."}))
	if a.Text != "Quick." || e.primary.Calls() != 1 || e.fallback.Calls() != 1 {
		t.Fatalf("answer %+v, calls %d, %d", a, e.primary.Calls(), e.fallback.Calls())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s: the 120 s wait was honoured on a 25 s budget", d)
	}
}

// TestHungProviderIs504: providers that never answer cost the request its
// budget and no more, and the answer is a 504 problem.
func TestHungProviderIs504(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{budgets: Budgets{Sync: 1500 * time.Millisecond}})
	hang := func(providertest.Call) providertest.Reply { return providertest.Reply{Hang: true} }
	e.primary.Respond(hang)
	e.fallback.Respond(hang)
	start := time.Now()
	resp := e.post(t, "summarize", e.editor.Token, map[string]any{"project_id": e.project, "text": "Text."})
	testkit.WantProblem(t, resp, http.StatusGatewayTimeout, "timeout")
	if d := time.Since(start); d < time.Second || d > 10*time.Second {
		t.Fatalf("answered after %s for a 1.5 s budget", d)
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE outcome = 'timeout'"); n != 1 {
		t.Fatalf("%d timeouts recorded", n)
	}
}

// TestTooLargeBeforeAnyCall: a 5 MB text, 10,000 bullets or a text over
// the operation's cap are 413 with no provider call.
func TestTooLargeBeforeAnyCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	huge := strings.Repeat("words ", 5<<20/6)
	bullets := make([]string, 10_000)
	for i := range bullets {
		bullets[i] = "b"
	}
	for _, tc := range []struct {
		op   string
		body map[string]any
	}{
		{"rewrite", map[string]any{"project_id": e.project, "text": huge, "operation": "shorten"}},
		{"summarize", map[string]any{"project_id": e.project, "text": huge}},
		{"expand", map[string]any{"project_id": e.project, "bullets": bullets}},
		{"rewrite", map[string]any{"project_id": e.project, "text": strings.Repeat("x", MaxRewriteChars+1), "operation": "shorten"}},
		{"summarize", map[string]any{"project_id": e.project, "text": strings.Repeat("x", MaxSummarizeChars+1)}},
	} {
		testkit.WantProblem(t, e.post(t, tc.op, e.editor.Token, tc.body), http.StatusRequestEntityTooLarge, "too-large")
	}
	if n := e.primary.Calls() + e.fallback.Calls(); n != 0 {
		t.Fatalf("%d provider calls", n)
	}
}

// TestBadInput: invalid requests are 400 with the fields named.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		op     string
		body   any
		fields []string
	}{
		{"rewrite", map[string]any{"project_id": e.project, "text": "x", "operation": "poeticize"}, []string{"operation"}},
		{"rewrite", map[string]any{"project_id": e.project, "text": "x", "operation": "tone"}, []string{"tone"}},
		{"rewrite", map[string]any{"text": "", "operation": "shorten"}, []string{"project_id", "text"}},
		{"summarize", map[string]any{"project_id": e.project, "length": "epic"}, []string{"text", "length"}},
		{"expand", map[string]any{"project_id": e.project, "bullets": []string{}}, []string{"bullets"}},
		{"draft", map[string]any{"project_id": e.project}, []string{"topic"}},
		{"consistency", map[string]any{"project_id": e.project, "chapter_ids": []uuid.UUID{uuid.Nil}}, []string{"chapter_ids[0]"}},
	} {
		p := testkit.WantProblem(t, e.post(t, tc.op, e.editor.Token, tc.body), http.StatusBadRequest, "validation")
		errs, _ := p["errors"].(map[string]any)
		for _, f := range tc.fields {
			if _, ok := errs[f]; !ok {
				t.Errorf("%s %v: errors %v do not name %s", tc.op, tc.body, errs, f)
			}
		}
	}
	testkit.WantProblem(t, e.post(t, "rewrite", e.editor.Token, `{"project_id":`), http.StatusBadRequest, "malformed-json")
}

// TestStream: Accept: text/event-stream gets our events: delta pieces as
// they come (each with its version), usage, done with the whole answer.
func TestStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply {
		return providertest.Reply{Chunks: []string{"First ", "version.\n<<<N", "EXT>>>\nSecond", " version."}, InputTokens: 40, OutputTokens: 9}
	})
	s := e.stream(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": "The cat sat.", "operation": "show_dont_tell"})
	if s.Status != http.StatusOK || !strings.HasPrefix(s.ContentType, "text/event-stream") {
		t.Fatalf("status %d, type %q: %s", s.Status, s.ContentType, s.Body)
	}
	if !strings.HasSuffix(s.names(), "usage,done") || !strings.HasPrefix(s.names(), "delta") {
		t.Fatalf("events %s", s.names())
	}
	var perVariant [2]string
	for _, ev := range s.Events {
		if ev.Name == eventDelta {
			var d deltaEvent
			_ = json.Unmarshal(ev.Data, &d)
			perVariant[d.Variant] += d.Text
		}
	}
	if perVariant[0] != "First version." || perVariant[1] != "Second version." {
		t.Fatalf("versions streamed %q", perVariant)
	}
	var done answerResponse
	_ = json.Unmarshal(s.last(eventDone), &done)
	if strings.Join(done.Variants, "|") != "First version.|Second version." || done.Usage.InputTokens != 40 || done.Cached {
		t.Fatalf("done %s", s.last(eventDone))
	}
	if strings.Contains(string(s.Body), "content_block_delta") || strings.Contains(string(s.Body), "message_stop") {
		t.Fatal("a provider's event reached the client")
	}
	// A stream is never cached: the same request, sync, asks again.
	answerOf(t, e.post(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": "The cat sat.", "operation": "show_dont_tell"}))
	if e.primary.Calls() != 2 {
		t.Fatalf("%d calls: the stream's answer was cached", e.primary.Calls())
	}
	// Problems before the stream begins are plain problems.
	s = e.stream(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.other, "text": "x", "operation": "shorten"})
	if s.Status != http.StatusNotFound || !strings.Contains(s.ContentType, "problem+json") {
		t.Fatalf("refused stream: %d %s", s.Status, s.ContentType)
	}
}

// TestMidStreamError: a provider failing after text has streamed reaches
// the client as an error event, is neither retried nor taken elsewhere,
// and nothing is cached.
func TestMidStreamError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Then(providertest.Reply{Chunks: []string{"Half ", "a sen", "tence"}, StreamErrorAfter: 2})
	e.primary.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: "Whole."} })
	body := map[string]any{"project_id": e.project, "text": "Long text.", "length": "short"}
	s := e.stream(t, "summarize", e.editor.Token, body)
	if s.Status != http.StatusOK || s.names() != "delta,delta,error" || s.text() != "Half a sen" {
		t.Fatalf("status %d, events %s, text %q", s.Status, s.names(), s.text())
	}
	var p map[string]any
	_ = json.Unmarshal(s.last(eventError), &p)
	if p["type"] != "https://api.thebrain.app/problems/bad-gateway" || p["status"] != float64(502) {
		t.Fatalf("error event %s", s.last(eventError))
	}
	if e.primary.Calls() != 1 || e.fallback.Calls() != 0 {
		t.Fatalf("calls %d, %d: a failure after streaming was retried", e.primary.Calls(), e.fallback.Calls())
	}
	a := answerOf(t, e.post(t, "summarize", e.editor.Token, body))
	if a.Cached || a.Text != "Whole." || e.primary.Calls() != 2 {
		t.Fatalf("after a failed stream: %+v, %d calls", a, e.primary.Calls())
	}
	if keys := answerKeys(t, e); len(keys) != 1 {
		t.Fatalf("cache keys %v, want the sync answer only", keys)
	}
}

// TestStreamOutlivesRequestTimeout: a stream is bounded by the AI budget,
// not the generic request timeout, and keep-alive comments flow while the
// provider thinks.
func TestStreamOutlivesRequestTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{requestTimeout: 300 * time.Millisecond, budgets: Budgets{KeepAlive: 50 * time.Millisecond}})
	e.primary.Respond(func(providertest.Call) providertest.Reply {
		return providertest.Reply{Delay: 900 * time.Millisecond, Text: "Slow but sure."}
	})
	s := e.stream(t, "expand", e.editor.Token, map[string]any{"project_id": e.project, "bullets": []string{"one"}})
	if s.Status != http.StatusOK || !strings.HasSuffix(s.names(), "done") || s.text() != "Slow but sure." {
		t.Fatalf("status %d, events %s, body %s", s.Status, s.names(), s.Body)
	}
	if s.Pings == 0 {
		t.Fatal("no keep-alive comment while the provider was silent")
	}
	// A synchronous call has its own budget too (25 s), not 300 ms.
	a := answerOf(t, e.post(t, "expand", e.editor.Token, map[string]any{"project_id": e.project, "bullets": []string{"two"}}))
	if a.Text != "Slow but sure." {
		t.Fatalf("sync answer %+v", a)
	}
}

// TestStreamBudget: a stream that runs past its budget ends with an error
// event (504).
func TestStreamBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{budgets: Budgets{Stream: time.Second}})
	e.primary.Respond(func(providertest.Call) providertest.Reply {
		return providertest.Reply{Chunks: []string{"a ", "b"}, HangAfter: 1}
	})
	start := time.Now()
	s := e.stream(t, "expand", e.editor.Token, map[string]any{"project_id": e.project, "bullets": []string{"one"}})
	var p map[string]any
	_ = json.Unmarshal(s.last(eventError), &p)
	if s.names() != "delta,error" || p["status"] != float64(504) {
		t.Fatalf("events %s, error %v", s.names(), p)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("a 1 s stream budget took %s", d)
	}
}

// TestBufferedAnswersJSON: where responses are buffered (Lambda), a
// request for a stream is answered as one JSON body.
func TestBufferedAnswersJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{buffered: true})
	s := e.stream(t, "expand", e.editor.Token, map[string]any{"project_id": e.project, "bullets": []string{"one"}})
	if s.Status != http.StatusOK || !strings.HasPrefix(s.ContentType, "application/json") {
		t.Fatalf("status %d, type %q", s.Status, s.ContentType)
	}
	var a answerResponse
	if err := json.Unmarshal(s.Body, &a); err != nil || a.Text != "ok" {
		t.Fatalf("body %s: %v", s.Body, err)
	}
}

// answerKeys lists the cache's answers (not their quick keys).
func answerKeys(t *testing.T, e *env) []string {
	var out []string
	for _, k := range e.rdb.Keys(t.Context(), e.keys.Key("ai", "cache", "*")).Val() {
		if !strings.Contains(k, ":q:") {
			out = append(out, k)
		}
	}
	return out
}

// TestCacheFollowsTheBook: an answer from the cache is the answer to the
// prompt the book would give now. Editing a note the passage mentions
// changes the prompt: a new call. Editing anything else of the book moves
// its material stamp but not the prompt: still the cached answer.
func TestCacheFollowsTheBook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply { return providertest.Reply{Text: threeVersions} })
	e.addNote(t, "Lighthouse", "Built in 1870.")
	e.addNote(t, "Harbour", "Silted up.")
	req := map[string]any{"project_id": e.project, "text": "The lighthouse stood dark.", "operation": "rephrase"}
	answerOf(t, e.post(t, "rewrite", e.editor.Token, req))
	if a := answerOf(t, e.post(t, "rewrite", e.editor.Token, req)); !a.Cached || e.primary.Calls() != 1 {
		t.Fatalf("cached %v after %d calls", a.Cached, e.primary.Calls())
	}
	notes := e.c.Get("/api/v1/projects/"+e.project.String()+"/notes", e.editor.Token)
	var page struct {
		Items []struct {
			ID      string `json:"id"`
			Title   string `json:"title"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	notes.JSON(t, &page)
	edit := func(title, body string) {
		for _, n := range page.Items {
			if n.Title == title {
				resp := e.c.Send(http.MethodPatch, "/api/v1/projects/"+e.project.String()+"/notes/"+n.ID, e.editor.Token,
					map[string]any{"body": body, "version": n.Version})
				testkit.WantStatus(t, resp, http.StatusOK)
				return
			}
		}
		t.Fatalf("no note %q", title)
	}
	edit("Harbour", "Dredged in 1901.")
	if a := answerOf(t, e.post(t, "rewrite", e.editor.Token, req)); !a.Cached || e.primary.Calls() != 1 {
		t.Fatalf("after an unrelated edit: cached %v after %d calls", a.Cached, e.primary.Calls())
	}
	edit("Lighthouse", "Built in 1871, not 1870.")
	if a := answerOf(t, e.post(t, "rewrite", e.editor.Token, req)); a.Cached || e.primary.Calls() != 2 {
		t.Fatalf("after the mentioned note changed: cached %v after %d calls", a.Cached, e.primary.Calls())
	}
	if c := e.primary.Requests()[1]; !strings.Contains(c.User, "Built in 1871") {
		t.Fatalf("the new prompt lacks the edited note:\n%s", c.User)
	}
}

// TestStreamIsIncremental: the first piece of text reaches the client
// while the provider is still writing, and a client that goes away ends
// the provider's call (recorded as canceled).
func TestStreamIsIncremental(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.primary.Respond(func(providertest.Call) providertest.Reply {
		return providertest.Reply{Chunks: []string{"First words ", "never sent"}, HangAfter: 1}
	})
	body, _ := json.Marshal(map[string]any{"project_id": e.project, "bullets": []string{"one"}})
	req, _ := http.NewRequest(http.MethodPost, e.c.URL+"/api/v1/ai/expand", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+e.editor.Token)
	resp, err := e.c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for !strings.Contains(seen, "First words") {
			n, err := resp.Body.Read(buf)
			if err != nil {
				break
			}
			seen += string(buf[:n])
		}
		got <- seen
	}()
	select {
	case seen := <-got:
		if !strings.Contains(seen, "event: delta\ndata: {\"text\":\"First words \",\"variant\":0}") {
			t.Fatalf("first bytes: %q", seen)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no delta while the provider was still writing: the stream is buffered")
	}
	resp.Body.Close() // the client goes away
	deadline := time.Now().Add(20 * time.Second)
	for e.count(t, "SELECT count(*) FROM ai_requests WHERE outcome = 'canceled'") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the provider's call did not end with the client")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAnswerKeptInProcessAndRedis: an answer is kept in the process at
// once (the same request again is served from it even without Redis's
// copy) and in Redis for the other instances, written after the answer has
// gone out.
func TestAnswerKeptInProcessAndRedis(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	req := map[string]any{"project_id": e.project, "text": "The rain would not stop.", "operation": "shorten"}
	if a := answerOf(t, e.post(t, "rewrite", e.editor.Token, req)); a.Cached {
		t.Fatalf("first answer cached: %+v", a)
	}
	pattern := e.keys.Key("ai", "cache", "v1", e.editor.ID.String(), "*")
	var kept []string
	for deadline := time.Now().Add(5 * time.Second); len(kept) == 0; {
		var err error
		if kept, err = e.rdb.Keys(context.Background(), pattern).Result(); err != nil {
			t.Fatal(err)
		}
		if len(kept) == 0 && time.Now().After(deadline) {
			t.Fatal("the answer never reached Redis")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.rdb.Del(context.Background(), kept...).Err(); err != nil {
		t.Fatal(err)
	}
	// A note the passage does not mention moves the book's stamp (so the
	// quick key misses) without changing the prompt (so its full key hits).
	e.addNote(t, "Harbour", "Silted up.")
	if a := answerOf(t, e.post(t, "rewrite", e.editor.Token, req)); !a.Cached || e.primary.Calls() != 1 {
		t.Fatalf("again: cached %v after %d calls; want the process's copy", a.Cached, e.primary.Calls())
	}
}
