package projects_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

func TestCreateAndGetProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")

	resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{
		"title": "  The Long Winter  ", "description": "A saga.\nIn two parts.", "genre": "Fantasy", "target_word_count": 90000,
	})
	testkit.WantStatus(t, resp, http.StatusCreated)
	var p project
	resp.JSON(t, &p)
	if p.Title != "The Long Winter" || p.Description != "A saga.\nIn two parts." || p.Genre != "Fantasy" ||
		p.TargetWordCount == nil || *p.TargetWordCount != 90000 || p.Role != "owner" || p.Version != 1 || p.WordCount != 0 {
		t.Fatalf("created project = %+v", p)
	}
	if p.ID.Version() != 7 {
		t.Errorf("id %s is UUID version %d, want 7", p.ID, p.ID.Version())
	}
	if got := resp.Header.Get("Location"); got != "/api/v1/projects/"+p.ID.String() {
		t.Errorf("Location = %q", got)
	}
	if got := resp.Header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag = %q, want \"1\"", got)
	}
	for _, ts := range []string{p.CreatedAt, p.UpdatedAt} {
		if tm, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") || time.Since(tm) > time.Minute {
			t.Errorf("timestamp %q is not a recent RFC 3339 UTC time", ts)
		}
	}
	// Word counts come from the live chapters only.
	e.addChapter(p.ID, 1200, false)
	e.addChapter(p.ID, 800, false)
	e.addChapter(p.ID, 5000, true)

	resp, got := e.getProject(alice.Token, p.ID)
	testkit.WantStatus(t, resp, http.StatusOK)
	if got.WordCount != 2000 || got.Title != "The Long Winter" || got.Role != "owner" {
		t.Fatalf("get = %+v", got)
	}
	if resp.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", resp.Header.Get("ETag"))
	}

	// Defaults: only a title.
	min := e.createProject(alice.Token, "Untitled")
	if min.Description != "" || min.Genre != "" || min.TargetWordCount != nil {
		t.Fatalf("defaults = %+v", min)
	}
	if !strings.Contains(string(e.c.Get(path("projects", min.ID), alice.Token).Body), `"target_word_count":null`) {
		t.Error("target_word_count must be present as null when unset")
	}
}

func TestCreateProjectValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	cases := []struct {
		name      string
		body      any
		status    int
		slug      string
		wantField string
	}{
		{"missing title", `{"description":"x"}`, 400, "validation", "title"},
		{"null title", `{"title":null}`, 400, "validation", "title"},
		{"blank title", `{"title":"   "}`, 400, "validation", "title"},
		{"title too long", map[string]any{"title": strings.Repeat("é", 201)}, 400, "validation", "title"},
		{"title with line break", `{"title":"a\nb"}`, 400, "validation", "title"},
		{"title with NUL", `{"title":"a\u0000b"}`, 400, "validation", "title"},
		{"title not a string", `{"title":42}`, 400, "validation", "title"},
		{"description too long", map[string]any{"title": "t", "description": strings.Repeat("x", 5001)}, 400, "validation", "description"},
		{"description with NUL", `{"title":"t","description":"a\u0000"}`, 400, "validation", "description"},
		{"genre too long", map[string]any{"title": "t", "genre": strings.Repeat("g", 101)}, 400, "validation", "genre"},
		{"target zero", `{"title":"t","target_word_count":0}`, 400, "validation", "target_word_count"},
		{"target negative", `{"title":"t","target_word_count":-5}`, 400, "validation", "target_word_count"},
		{"target too big", `{"title":"t","target_word_count":10000001}`, 400, "validation", "target_word_count"},
		{"target beyond int32", `{"title":"t","target_word_count":99999999999}`, 400, "validation", "target_word_count"},
		{"target fractional", `{"title":"t","target_word_count":1.5}`, 400, "validation", "target_word_count"},
		{"unknown field", `{"title":"t","owner_id":"x"}`, 400, "validation", "owner_id"},
		{"version on create", `{"title":"t","version":3}`, 400, "validation", "version"},
		{"malformed JSON", `{"title":`, 400, "malformed-json", ""},
		{"two values", `{"title":"a"}{"title":"b"}`, 400, "malformed-json", ""},
		{"array body", `[]`, 400, "malformed-json", ""},
		{"empty body", ``, 400, "malformed-json", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, tc.body)
			p := testkit.WantProblem(t, resp, tc.status, tc.slug)
			if tc.wantField != "" {
				errs, _ := p["errors"].(map[string]any)
				if _, ok := errs[tc.wantField]; !ok {
					t.Fatalf("errors = %v, want a problem for %q", p["errors"], tc.wantField)
				}
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		t.Parallel()
		resp := e.c.Do(testkit.Request{Method: http.MethodPost, Path: "/api/v1/projects", Token: alice.Token,
			Body: `{"title":"t"}`, Header: http.Header{"Content-Type": {"text/plain"}}})
		testkit.WantProblem(t, resp, http.StatusUnsupportedMediaType, "unsupported-media-type")
	})
	t.Run("limits are inclusive", func(t *testing.T) {
		t.Parallel()
		resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{
			"title": strings.Repeat("語", 200), "description": strings.Repeat("ß", 5000),
			"genre": strings.Repeat("g", 100), "target_word_count": 10_000_000,
		})
		testkit.WantStatus(t, resp, http.StatusCreated)
		resp = e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{"title": "t", "target_word_count": 1})
		testkit.WantStatus(t, resp, http.StatusCreated)
	})
	// None of the refused requests wrote anything.
	t.Cleanup(func() {
		var n int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM projects`).Scan(&n); err != nil || n != 2 {
			t.Errorf("projects in the table = %d (%v), want only the 2 valid ones", n, err)
		}
	})
}

func TestProjectsPerOwnerLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user("alice")
	// 998 live books and one in the trash: the trash counts.
	e.exec(`INSERT INTO projects (owner_id, title) SELECT $1, 'Book ' || g FROM generate_series(1, 998) g`, alice.ID)
	e.exec(`INSERT INTO projects (owner_id, title, deleted_at) VALUES ($1, 'Trashed', now())`, alice.ID)
	e.createProject(alice.Token, "The thousandth")
	resp := e.c.Send(http.MethodPost, "/api/v1/projects", alice.Token, map[string]any{"title": "One too many"})
	testkit.WantProblem(t, resp, http.StatusConflict, "conflict")
	// Someone else is not affected.
	e.createProject(e.user("bob").Token, "Bob's first")
}

func TestListProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")

	var own []project
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		own = append(own, e.createProject(alice.Token, title))
	}
	shared := e.createProject(bob.Token, "Bob's book")
	e.addMember(bob.Token, shared.ID, alice.Email, "viewer")
	e.createProject(bob.Token, "Bob's private book")
	e.createProject(carol.Token, "Carol's book")
	gone := e.createProject(alice.Token, "Deleted")
	testkit.WantStatus(t, e.c.Send(http.MethodDelete, path("projects", gone.ID), alice.Token, nil), http.StatusNoContent)
	e.addChapter(own[0].ID, 300, false)
	e.addChapter(shared.ID, 40, false)

	// Touch "Two" so it becomes the most recently updated.
	resp := e.c.Send(http.MethodPatch, path("projects", own[1].ID), alice.Token, map[string]any{"genre": "Noir", "version": 1})
	testkit.WantStatus(t, resp, http.StatusOK)

	var all []project
	cursor, pages := "", 0
	for {
		url := "/api/v1/projects?limit=2"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		resp := e.c.Get(url, alice.Token)
		testkit.WantStatus(t, resp, http.StatusOK)
		var pg pageOf[project]
		resp.JSON(t, &pg)
		all = append(all, pg.Items...)
		pages++
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(all) != 6 || pages != 3 {
		t.Fatalf("got %d projects over %d pages, want 6 over 3", len(all), pages)
	}
	if all[0].ID != own[1].ID {
		t.Errorf("first = %q, want the just-updated %q", all[0].Title, own[1].Title)
	}
	seen := map[uuid.UUID]bool{}
	for i, p := range all {
		if seen[p.ID] {
			t.Errorf("%q listed twice", p.Title)
		}
		seen[p.ID] = true
		if i > 0 && all[i-1].UpdatedAt < p.UpdatedAt {
			t.Errorf("not newest first at %d: %s before %s", i, all[i-1].UpdatedAt, p.UpdatedAt)
		}
		want := "owner"
		if p.ID == shared.ID {
			want = "viewer"
		}
		if p.Role != want {
			t.Errorf("%q role = %q, want %q", p.Title, p.Role, want)
		}
		switch p.ID {
		case own[0].ID:
			if p.WordCount != 300 {
				t.Errorf("word_count of %q = %d, want 300", p.Title, p.WordCount)
			}
		case shared.ID:
			if p.WordCount != 40 {
				t.Errorf("word_count of %q = %d, want 40", p.Title, p.WordCount)
			}
		case gone.ID:
			t.Error("a trashed project is listed")
		}
	}
	if !seen[shared.ID] {
		t.Error("the project shared with alice is missing")
	}

	// Carol sees only her own book; an empty list is [] not null.
	resp = e.c.Get("/api/v1/projects", e.user("dave").Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	if strings.TrimSpace(string(resp.Body)) != `{"items":[]}` {
		t.Errorf("empty list body = %s", resp.Body)
	}

	// A cursor from alice's list means nothing in carol's.
	first := e.c.Get("/api/v1/projects?limit=1", alice.Token)
	var pg pageOf[project]
	first.JSON(t, &pg)
	bad := []struct{ name, url, token, slug string }{
		{"tampered cursor", "/api/v1/projects?cursor=" + pg.NextCursor + "x", alice.Token, "invalid-cursor"},
		{"garbage cursor", "/api/v1/projects?cursor=abc", alice.Token, "invalid-cursor"},
		{"someone else's cursor", "/api/v1/projects?cursor=" + pg.NextCursor, carol.Token, "invalid-cursor"},
		{"limit zero", "/api/v1/projects?limit=0", alice.Token, "validation"},
		{"limit too big", "/api/v1/projects?limit=201", alice.Token, "validation"},
		{"limit not a number", "/api/v1/projects?limit=ten", alice.Token, "validation"},
		{"limit twice", "/api/v1/projects?limit=1&limit=2", alice.Token, "invalid-request"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			testkit.WantProblem(t, e.c.Get(tc.url, tc.token), http.StatusBadRequest, tc.slug)
		})
	}
}
