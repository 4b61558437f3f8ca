package ai

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/thebrain/thebrain/platform/testkit"
)

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// TestUsage: the caller sees their own calls, cache hits and tokens, and
// what remains of their allowance; another user's use is not theirs.
func TestUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	body := map[string]any{"project_id": e.project, "text": "A text.", "operation": "shorten"}
	answerOf(t, e.post(t, "rewrite", e.editor.Token, body))
	answerOf(t, e.post(t, "rewrite", e.editor.Token, body)) // cached, free
	answerOf(t, e.post(t, "expand", e.editor.Token, map[string]any{"project_id": e.project, "bullets": []string{"x"}}))
	answerOf(t, e.post(t, "expand", e.owner.Token, map[string]any{"project_id": e.project, "bullets": []string{"y"}}))

	var u usageAnswer
	resp := e.c.Get("/api/v1/ai/usage", e.editor.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &u)
	if u.Requests.HourlyLimit != 10 || u.Requests.Remaining != 8 || u.Requests.NextInSeconds != 0 {
		t.Fatalf("requests %+v", u.Requests)
	}
	if u.Today.Requests != 3 || u.Today.CacheHits != 1 || u.Today.ByOperation["rewrite"].Requests != 2 || u.Last30Days.Requests != 3 {
		t.Fatalf("today %+v, 30 days %+v", u.Today, u.Last30Days)
	}
	used := u.Today.InputTokens + u.Today.OutputTokens
	if used == 0 || u.Tokens.UsedToday != used || u.Tokens.Remaining != DefaultDailyTokens-used || u.Tokens.ResetsAt.Before(time.Now()) {
		t.Fatalf("tokens %+v, recorded %d", u.Tokens, used)
	}
	testkit.WantProblem(t, e.c.Get("/api/v1/ai/usage", ""), http.StatusUnauthorized, "unauthenticated")
}

// TestDailyTokenBudget: a call whose estimate would pass the day's budget
// is refused until midnight UTC; the budget counts real tokens once a call
// has answered.
func TestDailyTokenBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{limits: Limits{DailyTokens: 5_000}})
	answerOf(t, e.post(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": "One.", "operation": "shorten"}))
	answerOf(t, e.post(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": "Two.", "operation": "shorten"}))
	var u usageAnswer
	e.c.Get("/api/v1/ai/usage", e.editor.Token).JSON(t, &u)
	if u.Tokens.UsedToday <= 0 || u.Tokens.UsedToday > 1_000 {
		t.Fatalf("used %d tokens: the estimate was not corrected to the real count", u.Tokens.UsedToday)
	}
	// A long text's estimate does not fit what is left.
	long := make([]byte, 12_000)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	resp := e.post(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": string(long), "operation": "shorten"})
	p := testkit.WantProblem(t, resp, http.StatusTooManyRequests, "rate-limited")
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if secs < 1 || secs > 86400 {
		t.Fatalf("Retry-After %q, detail %v", resp.Header.Get("Retry-After"), p["detail"])
	}
	if e.primary.Calls() != 2 {
		t.Fatalf("%d calls", e.primary.Calls())
	}
}

// TestStyleSample: the book's style sample is read by its members and
// replaced by editors; a stale version is refused.
func TestStyleSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	path := "/api/v1/projects/" + e.project.String() + "/ai/style"
	var s styleResponse
	resp := e.c.Get(path, e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &s)
	if s.Sample != "" || s.Version != 0 {
		t.Fatalf("no sample yet: %+v", s)
	}
	resp = e.c.Send(http.MethodPut, path, e.editor.Token, map[string]any{"sample": "  Terse. Wry.  "})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &s)
	if s.Sample != "Terse. Wry." || s.Version != 1 || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("put: %+v, ETag %s", s, resp.Header.Get("ETag"))
	}
	resp = e.c.Do(testkit.Request{Method: http.MethodPut, Path: path, Token: e.editor.Token, Body: map[string]any{"sample": "x"},
		Header: http.Header{"If-Match": {`"7"`}}})
	testkit.WantProblem(t, resp, http.StatusPreconditionFailed, "stale-version")
	big := make([]byte, MaxStyleSampleChars+1)
	for i := range big {
		big[i] = 'x'
	}
	testkit.WantProblem(t, e.c.Send(http.MethodPut, path, e.editor.Token, map[string]any{"sample": string(big)}), http.StatusRequestEntityTooLarge, "too-large")
}

// TestRecordsInBatches: while the background writer runs (serve), records
// queue and are written in batches; when it stops it writes what is left,
// and records added after are written at once. None is lost.
func TestRecordsInBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{limits: Limits{HourlyRequests: 1000}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.mod.RecordInBackground(ctx) }()
	for i := range 30 {
		body := map[string]any{"project_id": e.project, "text": "Text " + strconv.Itoa(i), "operation": "shorten"}
		answerOf(t, e.post(t, "rewrite", e.editor.Token, body))
		answerOf(t, e.post(t, "rewrite", e.editor.Token, body)) // a hit, recorded too
	}
	cancel()
	<-done
	answerOf(t, e.post(t, "rewrite", e.editor.Token, map[string]any{"project_id": e.project, "text": "After.", "operation": "shorten"}))
	if n := e.count(t, "SELECT count(*) FROM ai_requests"); n != 61 {
		t.Fatalf("%d records, want 61", n)
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE cache_hit"); n != 30 {
		t.Fatalf("%d hits recorded, want 30", n)
	}
}
