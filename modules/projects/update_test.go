package projects_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestReplaceAndPatchProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	p := e.createProject(alice.Token, "Draft")
	url := path("projects", p.ID)

	// PUT replaces every editable field: what is absent becomes empty.
	resp := e.c.Send(http.MethodPut, url, alice.Token, map[string]any{
		"title": "Final", "description": "About a lighthouse.", "genre": "Literary", "target_word_count": 80000, "version": 1,
	})
	testkit.WantStatus(t, resp, http.StatusOK)
	var got project
	resp.JSON(t, &got)
	if got.Title != "Final" || got.Description != "About a lighthouse." || got.Genre != "Literary" ||
		got.TargetWordCount == nil || *got.TargetWordCount != 80000 || got.Version != 2 || got.Role != "owner" {
		t.Fatalf("after PUT = %+v", got)
	}
	if resp.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag = %q, want \"2\"", resp.Header.Get("ETag"))
	}
	resp = e.c.Do(testkit.Request{Method: http.MethodPut, Path: url, Token: alice.Token,
		Body: map[string]any{"title": "Final"}, Header: http.Header{"If-Match": {`"2"`}}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Description != "" || got.Genre != "" || got.TargetWordCount != nil || got.Version != 3 {
		t.Fatalf("PUT without optional fields must clear them: %+v", got)
	}

	// PATCH keeps absent fields and clears null ones.
	resp = e.c.Send(http.MethodPatch, url, alice.Token, map[string]any{"description": "Kept", "genre": "Horror", "target_word_count": 5000, "version": 3})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp = e.c.Do(testkit.Request{Method: http.MethodPatch, Path: url, Token: alice.Token,
		Body: `{"target_word_count":null,"genre":null}`, Header: http.Header{"If-Match": {`W/"4"`}}})
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &got)
	if got.Title != "Final" || got.Description != "Kept" || got.Genre != "" || got.TargetWordCount != nil || got.Version != 5 {
		t.Fatalf("after PATCH = %+v", got)
	}

	// Stale versions change nothing.
	stale := []struct {
		name   string
		method string
		body   any
		ifm    string
	}{
		{"PUT stale body version", http.MethodPut, map[string]any{"title": "X", "version": 4}, ""},
		{"PUT stale If-Match", http.MethodPut, map[string]any{"title": "X"}, `"4"`},
		{"PATCH stale body version", http.MethodPatch, map[string]any{"title": "X", "version": 1}, ""},
		{"PATCH stale If-Match", http.MethodPatch, map[string]any{"title": "X"}, `"1", "2"`},
		{"PATCH If-Match current, body stale", http.MethodPatch, map[string]any{"title": "X", "version": 4}, `"5"`},
		{"PATCH foreign entity tag", http.MethodPatch, map[string]any{"title": "X"}, `"abc"`},
		{"PATCH future version", http.MethodPatch, map[string]any{"title": "X", "version": 99}, ""},
		{"DELETE stale If-Match", http.MethodDelete, nil, `"4"`},
	}
	for _, tc := range stale {
		req := testkit.Request{Method: tc.method, Path: url, Token: alice.Token, Body: tc.body}
		if tc.ifm != "" {
			req.Header = http.Header{"If-Match": {tc.ifm}}
		}
		testkit.WantProblem(t, e.c.Do(req), http.StatusPreconditionFailed, "stale-version")
	}
	bad := []struct {
		name, method, ifm, slug string
		body                    any
	}{
		{"PUT without any version", http.MethodPut, "", "validation", map[string]any{"title": "X"}},
		{"PATCH without any version", http.MethodPatch, "", "validation", map[string]any{"title": "X"}},
		{"malformed If-Match", http.MethodPatch, "5", "validation", map[string]any{"title": "X"}},
		{"version zero", http.MethodPatch, "", "validation", map[string]any{"title": "X", "version": 0}},
		{"version null", http.MethodPatch, "", "validation", `{"title":"X","version":null}`},
		{"version a string", http.MethodPatch, "", "validation", `{"title":"X","version":"5"}`},
		{"PATCH title null", http.MethodPatch, "", "validation", `{"title":null,"version":5}`},
		{"PATCH title blank", http.MethodPatch, "", "validation", `{"title":" ","version":5}`},
		{"PATCH target a string", http.MethodPatch, "", "validation", `{"target_word_count":"many","version":5}`},
		{"PATCH target too big", http.MethodPatch, "", "validation", `{"target_word_count":10000001,"version":5}`},
		{"PATCH unknown field", http.MethodPatch, "", "validation", `{"role":"owner","version":5}`},
		{"PATCH nothing to change", http.MethodPatch, "", "invalid-request", `{"version":5}`},
		{"PUT missing title", http.MethodPut, "", "validation", `{"version":5}`},
		{"PUT description too long", http.MethodPut, "", "validation", map[string]any{"title": "X", "version": 5, "description": strings.Repeat("d", 5001)}},
	}
	for _, tc := range bad {
		req := testkit.Request{Method: tc.method, Path: url, Token: alice.Token, Body: tc.body}
		if tc.ifm != "" {
			req.Header = http.Header{"If-Match": {tc.ifm}}
		}
		resp := e.c.Do(req)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; body %s", tc.name, resp.StatusCode, resp.Body)
			continue
		}
		testkit.WantProblem(t, resp, http.StatusBadRequest, tc.slug)
	}
	_, after := e.getProject(alice.Token, p.ID)
	if after.Version != 5 || after.Title != "Final" {
		t.Fatalf("refused writes changed the project: %+v", after)
	}

	// If-Match: * states "whatever is current".
	resp = e.c.Do(testkit.Request{Method: http.MethodPatch, Path: url, Token: alice.Token,
		Body: map[string]any{"title": "Starred"}, Header: http.Header{"If-Match": {"*"}}})
	testkit.WantStatus(t, resp, http.StatusOK)
}

// Two authors saving from the same version: exactly one wins, the other is
// told, and the loser's change is not silently applied.
func TestConcurrentPatchesOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	p := e.createProject(alice.Token, "Shared")
	e.addMember(alice.Token, p.ID, bob.Email, "editor")

	const writers = 8
	statuses := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			tok := alice.Token
			if i%2 == 1 {
				tok = bob.Token
			}
			resp := e.c.Send(http.MethodPatch, path("projects", p.ID), tok, map[string]any{"genre": "g" + string(rune('a'+i)), "version": 1})
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	ok, stale := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusPreconditionFailed:
			stale++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 || stale != writers-1 {
		t.Fatalf("%d succeeded and %d were stale, want 1 and %d", ok, stale, writers-1)
	}
	_, got := e.getProject(alice.Token, p.ID)
	if got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
}
