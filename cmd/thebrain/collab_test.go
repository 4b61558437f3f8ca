package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thebrain/thebrain/modules/collab/collabtest"
	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/testkit"
)

// collabDeployment is a deployment with collaboration: the API in this
// process, and `thebrain collab` instances as child processes, all on one
// PostgreSQL schema, one Redis namespace, one signing key and one secret.
type collabDeployment struct {
	env map[string]string // the children's environment
	api *testkit.Client
	nc  *collabtest.Clients
	// A book with one chapter, its owner and an editor.
	owner, editor string // access tokens
	book, chapter string
}

func newCollabDeployment(t testing.TB, tune ...func(*config.Config)) *collabDeployment {
	t.Helper()
	cfg := testConfig(t)
	seed, secret := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(seed)
	_, _ = rand.Read(secret)
	cfg.JWTKeys = []config.JWTKey{{ID: "collab-test", Seed: seed}}
	cfg.SecretKey = secret
	for _, f := range tune {
		f(&cfg)
	}
	d := &collabDeployment{
		env: map[string]string{
			"THEBRAIN_DATABASE_URL": cfg.DatabaseURL, "THEBRAIN_AUTO_MIGRATE": "false",
			"THEBRAIN_REDIS_URL": cfg.RedisURL, "THEBRAIN_REDIS_PREFIX": cfg.RedisPrefix,
			"THEBRAIN_JWT_KEYS":   "collab-test:" + base64.StdEncoding.EncodeToString(seed),
			"THEBRAIN_SECRET_KEY": base64.StdEncoding.EncodeToString(secret),
			"THEBRAIN_LOG_FORMAT": "json", "THEBRAIN_COLLAB_ADDR": "127.0.0.1:0",
		},
		api: testkit.Server(t, instance(t, cfg)),
		nc:  collabtest.Start(t),
	}
	d.owner = signup(t, d.api, "owner@collab.example", "tidal lighthouse lamp, one keeper", "Owner").AccessToken
	d.editor = signup(t, d.api, "editor@collab.example", "tidal lighthouse lamp, two keepers", "Editor").AccessToken
	d.book = d.create(t, "/api/v1/projects", map[string]string{"title": "Written together"})
	testkit.WantStatus(t, d.api.Send("POST", "/api/v1/projects/"+d.book+"/members", d.owner,
		map[string]string{"email": "editor@collab.example", "role": "editor"}), http.StatusCreated)
	d.chapter = d.create(t, "/api/v1/projects/"+d.book+"/chapters", map[string]string{"title": "One"})
	return d
}

func (d *collabDeployment) create(t testing.TB, path string, body any) string {
	t.Helper()
	resp := d.api.Send("POST", path, d.owner, body)
	testkit.WantStatus(t, resp, http.StatusCreated)
	var v struct{ ID string }
	resp.JSON(t, &v)
	return v.ID
}

// start runs `thebrain collab` in a child and returns it with its socket
// base URL.
func (d *collabDeployment) start(t testing.TB) (*childProcess, string) {
	t.Helper()
	env := map[string]string{childEnv: "collab", "THEBRAIN_DATA_DIR": t.TempDir()}
	for k, v := range d.env {
		env[k] = v
	}
	p := startChild(t, env, io.Discard, nil)
	addr, _ := p.logLine(t, "listening")["addr"].(string)
	return p, "ws://" + addr + "/collab"
}

func (d *collabDeployment) open(t testing.TB, name, url string) {
	t.Helper()
	d.nc.Do(t, "open", map[string]any{"name": name, "url": url, "room": d.chapter, "token": d.editor, "maxBackoff": 300})
	d.nc.Do(t, "waitSynced", map[string]any{"name": name})
}

func (d *collabDeployment) xml(t testing.TB, name string) string {
	t.Helper()
	return d.nc.Do(t, "state", map[string]any{"name": name}).Str("xml")
}

// exited waits for a child killed or stopped by the test, keeping its exit
// for the cleanup.
func (p *childProcess) exited(t testing.TB) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("the child did not exit")
	}
	return nil
}

// TestCollabKillNineLosesNothing: two `thebrain collab` processes, A's
// client on the first, B's and an observer on the second, all typing. The
// first is killed (SIGKILL) mid-edit, before it can write anything more to
// PostgreSQL. Whatever the observer had seen of A's typing (relayed, so
// committed) is served by a third instance started afterwards, before A
// comes back; once A reconnects (to the second), every client converges
// on every character typed, and a fresh instance serves exactly that.
func TestCollabKillNineLosesNothing(t *testing.T) {
	t.Parallel()
	d := newCollabDeployment(t)
	one, url1 := d.start(t)
	_, url2 := d.start(t)
	d.open(t, "A", url1)
	d.open(t, "B", url2)
	d.open(t, "O", url2)
	// Until the test says so, A reconnects nowhere.
	d.nc.Do(t, "setURL", map[string]any{"name": "A", "url": "ws://127.0.0.1:9/collab"})
	typingA := d.nc.Go("type", map[string]any{"name": "A", "key": "a", "text": strings.Repeat("A", 300), "delay": 5})
	typingB := d.nc.Go("type", map[string]any{"name": "B", "key": "b", "text": strings.Repeat("B", 300), "delay": 5})
	waitFor(30*time.Second, func() bool { return strings.Count(d.xml(t, "O"), "A") >= 60 })
	if err := one.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = one.exited(t)
	for _, ch := range []<-chan collabtest.Reply{typingA, typingB} {
		if r := d.nc.Wait(t, ch); !r.OK() {
			t.Fatal(r.Err())
		}
	}
	seen := strings.Count(d.xml(t, "O"), "A")
	if seen == 0 || seen == 300 {
		t.Fatalf("the observer saw %d of A's 300 characters: the kill did not land mid-edit", seen)
	}
	_, url3 := d.start(t)
	d.open(t, "F", url3)
	if got := strings.Count(d.xml(t, "F"), "A"); got < seen {
		t.Fatalf("after the kill, a new instance serves %d of A's characters; the observer had seen %d", got, seen)
	}
	t.Logf("killed after the observer saw %d of A's 300 characters; a new instance served them all", seen)

	d.nc.Do(t, "setURL", map[string]any{"name": "A", "url": url2})
	names := []string{"A", "B", "O", "F"}
	r := d.nc.Do(t, "waitEqual", map[string]any{"names": names, "timeout": 60000})
	if r["converged"] != true {
		t.Fatalf("no convergence after the kill: %v", r["states"])
	}
	final := d.xml(t, "F")
	if strings.Count(final, "A") != 300 || strings.Count(final, "B") != 300 {
		t.Fatalf("the document holds %d A and %d B, want 300 each", strings.Count(final, "A"), strings.Count(final, "B"))
	}
	_, url4 := d.start(t)
	d.open(t, "G", url4)
	if got := d.xml(t, "G"); got != final {
		t.Fatalf("a fresh instance serves\n%s\nwant\n%s", got, final)
	}
}

// TestCollabGracefulShutdown: SIGTERM closes an instance's sockets with
// "going away" (1001), its clients reconnect to the other instance, and
// once both instances are stopped, PostgreSQL alone holds the whole
// document: a new instance serves it after the Redis streams are gone.
func TestCollabGracefulShutdown(t *testing.T) {
	t.Parallel()
	d := newCollabDeployment(t)
	one, url1 := d.start(t)
	two, url2 := d.start(t)
	d.open(t, "A", url1)
	d.open(t, "B", url2)
	d.nc.Do(t, "setURL", map[string]any{"name": "A", "url": url2})
	d.nc.Do(t, "type", map[string]any{"name": "A", "key": "a", "text": strings.Repeat("A", 100)})
	d.nc.Do(t, "type", map[string]any{"name": "B", "key": "b", "text": strings.Repeat("B", 100)})
	if err := one.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	d.nc.Do(t, "waitEvent", map[string]any{"name": "A", "type": "close", "code": 1001})
	if err := one.exited(t); err != nil {
		t.Fatalf("the stopped instance: %v", err)
	}
	d.nc.Do(t, "waitSynced", map[string]any{"name": "A"})
	d.nc.Do(t, "type", map[string]any{"name": "A", "key": "a", "text": strings.Repeat("a", 50)})
	r := d.nc.Do(t, "waitEqual", map[string]any{"names": []string{"A", "B"}})
	if r["converged"] != true {
		t.Fatalf("no convergence: %v", r["states"])
	}
	final := d.xml(t, "A")
	d.nc.Do(t, "destroy", map[string]any{"name": "A"})
	d.nc.Do(t, "destroy", map[string]any{"name": "B"})
	if err := two.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := two.exited(t); err != nil {
		t.Fatalf("the second instance: %v", err)
	}
	rdb, keys := testkit.Redis(t)
	_ = keys
	ctx := context.Background()
	streams, err := rdb.Keys(ctx, d.env["THEBRAIN_REDIS_PREFIX"]+"collab:*").Result()
	if err != nil || len(streams) == 0 {
		t.Fatalf("no collab keys in Redis to delete (%v)", err)
	}
	if err := rdb.Del(ctx, streams...).Err(); err != nil {
		t.Fatal(err)
	}
	_, url3 := d.start(t)
	d.open(t, "C", url3)
	if got := d.xml(t, "C"); got != final {
		t.Fatalf("from PostgreSQL alone:\n%s\nwant\n%s", got, final)
	}
}

// TestCollabInServe: `thebrain serve` alone (one process, as a newcomer runs
// it: here with its in-process Redis) answers the socket too, with the real
// auth module: a ticket opens the chapter, a logout ends the socket (4401)
// and removal from the book ends the member's socket (4403), within
// seconds.
func TestCollabInServe(t *testing.T) {
	t.Parallel()
	_, addr := startServeChild(t, 0, map[string]string{"THEBRAIN_REDIS_URL": ""})
	api := (&testkit.Client{URL: "http://" + addr, HTTP: http.DefaultClient}).For(t)
	owner := signup(t, api, "owner@serve-collab.example", "tidal lighthouse lamp, one keeper", "Owner").AccessToken
	editor := signup(t, api, "editor@serve-collab.example", "tidal lighthouse lamp, two keepers", "Editor").AccessToken
	create := func(path string, body any) string {
		resp := api.Send("POST", path, owner, body)
		testkit.WantStatus(t, resp, http.StatusCreated)
		var v struct{ ID string }
		resp.JSON(t, &v)
		return v.ID
	}
	book := create("/api/v1/projects", map[string]string{"title": "Local"})
	testkit.WantStatus(t, api.Send("POST", "/api/v1/projects/"+book+"/members", owner,
		map[string]string{"email": "editor@serve-collab.example", "role": "editor"}), http.StatusCreated)
	chapter := create("/api/v1/projects/"+book+"/chapters", map[string]string{"title": "One", "content": "Seeded by the server."})
	ticket := func(token string) string {
		resp := api.Send("POST", fmt.Sprintf("/api/v1/projects/%s/chapters/%s/collab-ticket", book, chapter), token, nil)
		testkit.WantStatus(t, resp, http.StatusOK)
		var v struct{ Ticket string }
		resp.JSON(t, &v)
		return v.Ticket
	}
	nc := collabtest.Start(t)
	url := "ws://" + addr + "/collab"
	for name, tok := range map[string]string{"owner": ticket(owner), "editor": ticket(editor)} {
		nc.Do(t, "open", map[string]any{"name": name, "url": url, "room": chapter, "token": tok})
		nc.Do(t, "waitSynced", map[string]any{"name": name})
	}
	if xml := nc.Do(t, "state", map[string]any{"name": "owner"}).Str("xml"); xml != "<paragraph>Seeded by the server.</paragraph>" {
		t.Fatalf("the document was not seeded from the chapter: %s", xml)
	}
	nc.Do(t, "type", map[string]any{"name": "editor", "text": "one process is enough"})
	if r := nc.Do(t, "waitEqual", map[string]any{"names": []string{"owner", "editor"}, "contains": []string{"one process is enough"}}); r["converged"] != true {
		t.Fatalf("no convergence: %v", r["states"])
	}
	// The chapter follows the document, and a REST save reaches the editors.
	chapterPath := "/api/v1/projects/" + book + "/chapters/" + chapter
	var ch struct {
		Content string
		Version int
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp := api.Get(chapterPath, owner)
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &ch)
		if ch.Content == "Seeded by the server.\n\none process is enough" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the chapter did not follow the document: %q", ch.Content)
		}
	}
	testkit.WantStatus(t, api.Send("PATCH", chapterPath, owner,
		map[string]any{"content": ch.Content + "\n\nAdded over REST.", "version": ch.Version}), http.StatusOK)
	if r := nc.Do(t, "waitEqual", map[string]any{"names": []string{"owner", "editor"}, "contains": []string{"one process is enough", "Added over REST."}}); r["converged"] != true {
		t.Fatalf("the REST save did not reach the editors: %v", r["states"])
	}

	var me struct{ ID string }
	resp := api.Get("/api/v1/auth/me", editor)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &me)
	testkit.WantStatus(t, api.Send("DELETE", "/api/v1/projects/"+book+"/members/"+me.ID, owner, nil), http.StatusNoContent)
	nc.Do(t, "waitEvent", map[string]any{"name": "editor", "type": "closed", "code": 4403, "timeout": 15000})

	testkit.WantStatus(t, api.Send("POST", "/api/v1/auth/logout", owner, nil), http.StatusNoContent)
	nc.Do(t, "waitEvent", map[string]any{"name": "owner", "type": "closed", "code": 4401, "timeout": 15000})
}
