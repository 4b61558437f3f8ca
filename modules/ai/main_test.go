package ai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
	"github.com/thebrain/thebrain/modules/auth/authtest"
	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/modules/projects/projectstest"
	"github.com/thebrain/thebrain/modules/research"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/redis"
	"github.com/thebrain/thebrain/platform/roles"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is the AI module wired as app.go wires it, on a fresh schema and
// Redis namespace: the chapters, research and jobs modules are real, the
// providers are local fakes speaking the real wire formats (Anthropic
// first, OpenAI-compatible as the fallback). project is owner's, shared
// with editor, comm and viewer; other is stranger's.
type env struct {
	t        *testing.T
	pool     *pgxpool.Pool
	rdb      *redis.Client
	keys     redis.Keys
	books    *projectstest.Books
	c        *testkit.Client
	mod      *Module
	jobs     *jobs.Module
	primary  *providertest.Server
	fallback *providertest.Server
	logs     *testkit.SyncBuffer
	project  uuid.UUID
	other    uuid.UUID
	owner    testkit.TestUser
	editor   testkit.TestUser
	comm     testkit.TestUser
	viewer   testkit.TestUser
	stranger testkit.TestUser
}

type envOptions struct {
	noProviders    bool
	budgets        Budgets
	limits         Limits
	policy         provider.Policy
	buffered       bool
	requestTimeout time.Duration
	// work runs a jobs worker for the test.
	work bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	pool := testkit.Postgres(t)
	rdb, keys := testkit.Redis(t)
	e := &env{t: t, pool: pool, rdb: rdb, keys: keys, books: projectstest.New(t, pool), logs: &testkit.SyncBuffer{}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("captured log:\n%s", e.logs.String())
		}
	})
	logger := log.New(e.logs, "text", slog.LevelDebug)
	e.owner = authtest.User(t, pool, "owner")
	e.editor = authtest.User(t, pool, "editor")
	e.comm = authtest.User(t, pool, "commenter")
	e.viewer = authtest.User(t, pool, "viewer")
	e.stranger = authtest.User(t, pool, "stranger")
	e.project = e.books.Create(t, e.owner.ID, "A book")
	e.other = e.books.Create(t, e.stranger.ID, "Another book")
	e.books.Share(t, e.project, e.editor.ID, roles.Editor)
	e.books.Share(t, e.project, e.comm.ID, roles.Commenter)
	e.books.Share(t, e.project, e.viewer.ID, roles.Viewer)

	guard := access.NewGuard(e.books.Checker())
	cursors := page.NewCodec([]byte("test-secret-test-secret-test-secret"))
	chaptersMod := chapters.New(chapters.Deps{Log: logger, DB: pool, Guard: guard, Cursors: cursors})
	researchMod := research.New(research.Deps{DB: pool, Guard: guard, Cursors: cursors, Chapters: chaptersMod})
	transport, err := jobs.NewRiver(pool, jobs.RiverOptions{Log: logger, Concurrency: 2, RescueAfter: 10 * time.Second, ShutdownGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e.jobs = jobs.New(jobs.Deps{Log: logger, DB: pool, Cursors: cursors, Transport: transport, Lease: 5 * time.Second, RetryBase: 50 * time.Millisecond})

	var chains map[Operation]*provider.Chain
	if !o.noProviders {
		e.primary, e.fallback = providertest.NewAnthropic(t), providertest.NewOpenAI(t)
		policy := o.policy
		if policy.BaseDelay == 0 {
			policy.BaseDelay, policy.MaxDelay = time.Millisecond, 5*time.Millisecond
		}
		chain := provider.NewChain(policy,
			provider.Link{Provider: e.primary.Provider(), Model: "claude-test"},
			provider.Link{Provider: e.fallback.Provider(), Model: "gpt-test"})
		chains = map[Operation]*provider.Chain{}
		for _, op := range Operations {
			chains[op] = chain
		}
	}
	e.mod = New(Deps{
		Log: logger, DB: pool, Redis: rdb, Keys: keys, Guard: guard,
		Chapters: chaptersMod, Notes: researchMod, Jobs: e.jobs, Chains: chains,
		Budgets: o.budgets, Limits: o.limits, Buffered: o.buffered,
	})
	e.jobs.Register(e.mod.JobKinds()...)
	rt := o.requestTimeout
	if rt == 0 {
		rt = time.Minute
	}
	h := server.NewHandler(server.Options{
		Logger: logger, Modules: []module.Module{chaptersMod, researchMod, e.jobs, e.mod},
		Verifier: testkit.Verifier(t), MaxBodyBytes: 8 << 20, RequestTimeout: rt,
	})
	e.c = testkit.Server(t, h)
	if o.work {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.jobs.Work(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Work: %v", err)
			}
		})
	}
	return e
}

// callers are the role matrix's identities in project.
func (e *env) callers() []testkit.Caller {
	return []testkit.Caller{
		{Name: "owner", Role: roles.Owner, Token: e.owner.Token},
		{Name: "editor", Role: roles.Editor, Token: e.editor.Token},
		{Name: "commenter", Role: roles.Commenter, Token: e.comm.Token},
		{Name: "viewer", Role: roles.Viewer, Token: e.viewer.Token},
		{Name: "non-member", Token: e.stranger.Token},
		{Name: "anonymous"},
	}
}

// post sends a JSON body to an AI route.
func (e *env) post(t testing.TB, op, token string, body any) *testkit.Response {
	t.Helper()
	return e.c.For(t).Send(http.MethodPost, "/api/v1/ai/"+op, token, body)
}

// answerOf decodes a 200 answer.
func answerOf(t testing.TB, resp *testkit.Response) answerResponse {
	t.Helper()
	testkit.WantStatus(t, resp, http.StatusOK)
	var a answerResponse
	resp.JSON(t, &a)
	return a
}

// sseEvent is one event of a stream as the client sees it.
type sseEvent struct {
	Name string
	Data json.RawMessage
}

// streamed is a whole streamed answer.
type streamed struct {
	Status      int
	ContentType string
	Events      []sseEvent
	Pings       int
	Body        []byte
}

func (s streamed) names() string {
	var out []string
	for _, ev := range s.Events {
		out = append(out, ev.Name)
	}
	return strings.Join(out, ",")
}

func (s streamed) last(name string) json.RawMessage {
	for i := len(s.Events) - 1; i >= 0; i-- {
		if s.Events[i].Name == name {
			return s.Events[i].Data
		}
	}
	return nil
}

func (s streamed) text() string {
	var b strings.Builder
	for _, ev := range s.Events {
		if ev.Name == eventDelta {
			var d deltaEvent
			_ = json.Unmarshal(ev.Data, &d)
			b.WriteString(d.Text)
		}
	}
	return b.String()
}

// stream sends a request for an event stream and reads it to the end.
func (e *env) stream(t testing.TB, op, token string, body any) streamed {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.c.URL+"/api/v1/ai/"+op, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("stream %s: %v", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read stream: %v", err)
	}
	out := streamed{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: raw}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.Name != "" {
				out.Events = append(out.Events, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, ":"):
			out.Pings++
		case strings.HasPrefix(line, "event: "):
			cur.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.Data = json.RawMessage(strings.TrimPrefix(line, "data: "))
		}
	}
	return out
}

// addChapter adds a chapter with content to project.
func (e *env) addChapter(t testing.TB, project uuid.UUID, title, content string) uuid.UUID {
	t.Helper()
	return chapterstest.AddText(t, e.pool, project, title, content)
}

// addNote creates a research note through the research API.
func (e *env) addNote(t testing.TB, title, body string, tags ...string) {
	t.Helper()
	if tags == nil {
		tags = []string{}
	}
	resp := e.c.For(t).Send(http.MethodPost, "/api/v1/projects/"+e.project.String()+"/notes", e.editor.Token,
		map[string]any{"title": title, "body": body, "tags": tags})
	testkit.WantStatus(t, resp, http.StatusCreated)
}

// count is a number from the database.
func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// jobView is a job as the API shows it.
type jobView struct {
	ID              uuid.UUID       `json:"id"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	ProjectID       *uuid.UUID      `json:"project_id"`
	Attempts        int             `json:"attempts"`
	Progress        int             `json:"progress"`
	ProgressMessage string          `json:"progress_message"`
	Result          json.RawMessage `json:"result"`
	Error           *string         `json:"error"`
}

// awaitJob polls the job until it has finished.
func (e *env) awaitJob(t testing.TB, token string, id uuid.UUID) jobView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp := e.c.For(t).Get("/api/v1/jobs/"+id.String(), token)
		testkit.WantStatus(t, resp, http.StatusOK)
		var j jobView
		resp.JSON(t, &j)
		if j.Status == "succeeded" || j.Status == "failed" || j.Status == "cancelled" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 60 s", id, j.Status)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
