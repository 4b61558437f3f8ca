package jobs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/testkit"
)

// A job is its owner's only: anyone else gets the same 404 as for a job
// that does not exist; a malformed id is 400; anonymous callers 401.
func TestJobsAreTheirOwnersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{kinds: []module.JobKind{{Name: "test.noop", Run: func(context.Context, *module.Job) (any, error) { return nil, nil }}}})
	ref := e.enqueue("test.noop", nil, "")
	other := authtest.User(t, e.pool, "other")
	job := "/api/v1/jobs/" + ref.ID.String()
	cases := []struct {
		name, method, path, token string
		status                    int
		slug                      string
	}{
		{"owner reads", "GET", job, e.user.Token, 200, ""},
		{"another user reads", "GET", job, other.Token, 404, "not-found"},
		{"another user cancels", "POST", job + "/cancel", other.Token, 404, "not-found"},
		{"missing job", "GET", "/api/v1/jobs/" + uuid.NewString(), e.user.Token, 404, "not-found"},
		{"malformed id", "GET", "/api/v1/jobs/nope", e.user.Token, 400, "validation"},
		{"malformed id, cancel", "POST", "/api/v1/jobs/12/cancel", e.user.Token, 400, "validation"},
		{"anonymous", "GET", job, "", 401, "unauthenticated"},
		{"anonymous list", "GET", "/api/v1/jobs", "", 401, "unauthenticated"},
		{"bad status filter", "GET", "/api/v1/jobs?status=done", e.user.Token, 400, "validation"},
		{"status given twice", "GET", "/api/v1/jobs?status=queued&status=failed", e.user.Token, 400, "validation"},
		{"bad limit", "GET", "/api/v1/jobs?limit=0", e.user.Token, 400, "validation"},
		{"forged cursor", "GET", "/api/v1/jobs?cursor=abc.def", e.user.Token, 400, "invalid-cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.c.For(t).Do(testkit.Request{Method: tc.method, Path: tc.path, Token: tc.token})
			if tc.slug == "" {
				testkit.WantStatus(t, resp, tc.status)
				return
			}
			testkit.WantProblem(t, resp, tc.status, tc.slug)
		})
	}
	// The other user's list is empty; the job is untouched.
	var page struct{ Items []jobView }
	e.c.Get("/api/v1/jobs", other.Token).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("another user lists %d jobs", len(page.Items))
	}
	if j := e.get(ref.ID); j.Status != "queued" || j.CancelRequested {
		t.Fatalf("job after the other user's cancel: %+v", j)
	}
}

// The list is newest first, in keyset pages, narrowed by status and type.
func TestListJobs(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, *module.Job) (any, error) { return nil, nil }
	e := newEnv(t, options{kinds: []module.JobKind{{Name: "test.a", Run: noop}, {Name: "test.b", Run: noop}}})
	var want []string
	for i := range 5 {
		kind := "test.a"
		if i%2 == 1 {
			kind = "test.b"
		}
		want = append([]string{e.enqueue(kind, nil, "").ID.String()}, want...) // newest first
	}
	list := func(query string) (ids []string, next string) {
		t.Helper()
		var p struct {
			Items      []jobView `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}
		resp := e.c.Get("/api/v1/jobs"+query, e.user.Token)
		testkit.WantStatus(t, resp, 200)
		resp.JSON(t, &p)
		for _, j := range p.Items {
			ids = append(ids, j.ID.String())
		}
		return ids, p.NextCursor
	}
	first, next := list("?limit=2")
	second, next2 := list("?limit=2&cursor=" + next)
	third, next3 := list("?limit=2&cursor=" + next2)
	if diff := cmp.Diff(want, append(append(first, second...), third...)); diff != "" || next3 != "" {
		t.Fatalf("pages (-want +got):\n%s\nlast cursor %q", diff, next3)
	}
	onlyB, _ := list("?type=test.b")
	if diff := cmp.Diff([]string{want[1], want[3]}, onlyB); diff != "" {
		t.Fatalf("type=test.b (-want +got):\n%s", diff)
	}
	queued, _ := list("?status=queued&type=test.a")
	if len(queued) != 3 {
		t.Fatalf("queued test.a: %v", queued)
	}
	if none, _ := list("?status=failed"); len(none) != 0 {
		t.Fatalf("failed: %v", none)
	}
	// A cursor belongs to its filter.
	resp := e.c.Get(fmt.Sprintf("/api/v1/jobs?limit=2&status=queued&cursor=%s", next), e.user.Token)
	testkit.WantProblem(t, resp, 400, "invalid-cursor")
}
