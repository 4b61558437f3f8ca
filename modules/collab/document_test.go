package collab

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters"
	"github.com/thebrain/thebrain/modules/chapters/chapterstest"
	"github.com/thebrain/thebrain/modules/collab/collabtest"
	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/platform/testkit"
)

// The chapter/document contract (document.go): seeding, rendering back,
// REST writes as updates, failures.

type chapterJSON struct {
	Content   *string `json:"content"`
	WordCount int     `json:"word_count"`
	Version   int     `json:"version"`
}

func chapterPath(project, chapter uuid.UUID) string {
	return fmt.Sprintf("/api/v1/projects/%s/chapters/%s", project, chapter)
}

// getChapter reads a chapter through the REST API.
func getChapter(t *testing.T, in *instance, e *env, chapter uuid.UUID) chapterJSON {
	t.Helper()
	resp := in.api.Get(chapterPath(e.project, chapter), e.owner.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var ch chapterJSON
	resp.JSON(t, &ch)
	if ch.Content == nil {
		t.Fatalf("chapter without content: %s", resp.Body)
	}
	return ch
}

// waitChapter polls the REST chapter until ok holds.
func waitChapter(t *testing.T, in *instance, e *env, chapter uuid.UUID, d time.Duration, what string, ok func(chapterJSON) bool) chapterJSON {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ch := getChapter(t, in, e, chapter)
		if ok(ch) {
			return ch
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for the chapter to %s; content %q (version %d)", d, what, *ch.Content, ch.Version)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// saveContent PATCHes the chapter's content made by edit from the current
// one, fetching again after a 412 (the document's rendering moved the
// version meanwhile), as a client does.
func saveContent(t *testing.T, in *instance, e *env, chapter uuid.UUID, edit func(string) string) chapterJSON {
	t.Helper()
	for range 20 {
		cur := getChapter(t, in, e, chapter)
		resp := in.api.Send(http.MethodPatch, chapterPath(e.project, chapter), e.owner.Token,
			map[string]any{"content": edit(*cur.Content), "version": cur.Version})
		if resp.StatusCode == http.StatusPreconditionFailed {
			continue
		}
		testkit.WantStatus(t, resp, http.StatusOK)
		var out chapterJSON
		resp.JSON(t, &out)
		return out
	}
	t.Fatal("the chapter's version kept moving")
	return chapterJSON{}
}

func openOn(t *testing.T, nc *collabtest.Clients, name, url string, chapter uuid.UUID, token string) {
	t.Helper()
	nc.Do(t, "open", map[string]any{"name": name, "url": url, "room": chapter.String(), "token": token})
}

// TestNodeSeedOnceAcrossInstances: eight y-websocket clients open a fresh
// chapter with Markdown content at once on two instances: each sees the
// text as soon as it is synced, exactly once, and one document row holds
// it.
func TestNodeSeedOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Seeded", "# Opening\n\nThe seeded sentence stands alone.\n\n* one\n* two\n")
	a, b := e.start(t, nil), e.start(t, nil)
	nc := collabtest.Start(t)
	var names []string
	var opening []<-chan collabtest.Reply
	for i := range 8 {
		name := fmt.Sprintf("c%d", i)
		names = append(names, name)
		url := []string{a.ws, b.ws}[i%2]
		opening = append(opening, nc.Go("open", map[string]any{"name": name, "url": url, "room": ch.String(), "token": e.owner.Token}))
	}
	for _, o := range opening {
		if r := nc.Wait(t, o); !r.OK() {
			t.Fatal(r.Err())
		}
	}
	for _, name := range names {
		nc.Do(t, "waitSynced", map[string]any{"name": name})
		if xml := nc.Do(t, "state", map[string]any{"name": name}).Str("xml"); strings.Count(xml, "The seeded sentence stands alone.") != 1 {
			t.Fatalf("%s, synced, holds %s", name, xml)
		}
	}
	r := nc.Do(t, "waitEqual", map[string]any{"names": names})
	if r["converged"] != true {
		t.Fatalf("clients did not converge: %v", r["states"])
	}
	xml := r["state"].(map[string]any)["xml"].(string)
	for _, want := range []string{"Opening", "The seeded sentence stands alone.", "<paragraph>one</paragraph>", "<paragraph>two</paragraph>"} {
		if strings.Count(xml, want) != 1 {
			t.Fatalf("%q appears %d times in %s", want, strings.Count(xml, want), xml)
		}
	}
	var rows int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM collab_documents WHERE chapter_id = $1`, ch).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("%d document rows", rows)
	}
}

// TestSeedRace: many loads of a fresh document at once on two instances
// (no clients): one seeding is stored, and a later change of the chapter's
// Markdown does not seed again over it.
func TestSeedRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Raced", "Only once, please.")
	a, b := e.start(t, nil), e.start(t, nil)
	ctx := context.Background()
	errs := make(chan error, 20)
	docs := make(chan []byte, 20)
	for i := range 20 {
		h := []*hub{a.mod.hub, b.mod.hub}[i%2]
		go func() {
			r, _, err := h.load(ctx, ch)
			if err == nil {
				docs <- r.snapshot
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(docs)
	for doc := range docs {
		md, ok, err := a.mod.hub.renderMarkdown(doc)
		if err != nil || !ok || md != "Only once, please." {
			t.Fatalf("a load rendered %q (%v, %v)", md, ok, err)
		}
	}
	// The stored seed stays: a second seeding attempt changes nothing.
	if _, err := e.pool.Exec(ctx, `UPDATE chapters SET content = 'Something else' WHERE id = $1`, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := a.mod.hub.seedDocument(ctx, ch); err != nil {
		t.Fatal(err)
	}
	doc, _, _, err := a.mod.hub.documentState(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if md, _, _ := a.mod.hub.renderMarkdown(doc); md != "Only once, please." {
		t.Fatalf("the document reads %q after a second seeding", md)
	}
}

// TestNodeChapterFollowsDocument: what a y-websocket client types reaches
// the chapter's REST content within seconds, with the word count, a new
// version and an automatic snapshot of the replaced text; leaving renders
// the last edits at once.
func TestNodeChapterFollowsDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const original = "The first paragraph was written over REST."
	ch := chapterstest.AddText(t, e.pool, e.project, "Followed", original)
	in := e.start(t, nil)
	nc := collabtest.Start(t)
	openOn(t, nc, "a", in.ws, ch, e.editor.Token)
	nc.Do(t, "waitSynced", map[string]any{"name": "a"})
	if xml := nc.Do(t, "state", map[string]any{"name": "a"}).Str("xml"); !strings.Contains(xml, original) {
		t.Fatalf("the synced client lacks the chapter's text: %s", xml)
	}
	before := getChapter(t, in, e, ch)
	nc.Do(t, "type", map[string]any{"name": "a", "key": "p", "text": "Then a client typed these seven words."})
	want := original + "\n\nThen a client typed these seven words."
	got := waitChapter(t, in, e, ch, 5*time.Second, "follow the document", func(c chapterJSON) bool { return *c.Content == want })
	if got.WordCount != chapters.CountWords(want) || got.Version <= before.Version {
		t.Fatalf("chapter %+v after the document changed (before: version %d)", got, before.Version)
	}
	// The replaced text was recorded (no snapshot existed yet).
	resp := in.api.Get(chapterPath(e.project, ch)+"/versions", e.owner.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var versions struct {
		Items []struct {
			ID     uuid.UUID `json:"id"`
			Reason string    `json:"reason"`
		} `json:"items"`
	}
	resp.JSON(t, &versions)
	if len(versions.Items) == 0 || versions.Items[len(versions.Items)-1].Reason != "autosave" {
		t.Fatalf("versions %s", resp.Body)
	}
	resp = in.api.Get(chapterPath(e.project, ch)+"/versions/"+versions.Items[len(versions.Items)-1].ID.String(), e.owner.Token)
	if !strings.Contains(string(resp.Body), original) || strings.Contains(string(resp.Body), "seven words") {
		t.Fatalf("the snapshot does not hold the replaced text: %s", resp.Body)
	}
	// The last editor leaves right after typing: rendered at once.
	nc.Do(t, "type", map[string]any{"name": "a", "key": "p", "text": " Last words."})
	nc.Do(t, "destroy", map[string]any{"name": "a"})
	waitChapter(t, in, e, ch, 3*time.Second, "hold the last words", func(c chapterJSON) bool { return strings.HasSuffix(*c.Content, "Last words.") })
	// Rendering what the chapter already holds writes nothing.
	settled := getChapter(t, in, e, ch)
	if busy, err := in.mod.hub.renderChapter(context.Background(), ch); err != nil || busy {
		t.Fatalf("render: busy %v, %v", busy, err)
	}
	if again := getChapter(t, in, e, ch); again.Version != settled.Version {
		t.Fatalf("an unchanged rendering moved the version from %d to %d", settled.Version, again.Version)
	}
}

// TestNodeRESTSaveBecomesUpdate: a client types continuously while a REST
// save changes another paragraph, and a version restore follows: both
// sides' text survives in the client, in the other instance's client and
// in the chapter.
func TestNodeRESTSaveBecomesUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Saved", "Alpha paragraph.\n\nBeta paragraph.")
	in, other := e.start(t, nil), e.start(t, nil)
	e.chapters.SetDocuments(in.mod)
	nc := collabtest.Start(t)
	openOn(t, nc, "a", in.ws, ch, e.editor.Token)
	openOn(t, nc, "b", other.ws, ch, e.owner.Token)
	nc.Do(t, "waitSynced", map[string]any{"name": "a"})
	nc.Do(t, "waitSynced", map[string]any{"name": "b"})
	typed := strings.Repeat("typing goes on ", 8)
	typing := nc.Go("type", map[string]any{"name": "a", "key": "p", "text": typed, "delay": 15})
	time.Sleep(300 * time.Millisecond)
	saved := saveContent(t, in, e, ch, func(s string) string {
		return strings.Replace(s, "Beta paragraph.", "Beta paragraph, revised over REST.", 1)
	})
	if !strings.Contains(*saved.Content, "revised over REST") {
		t.Fatalf("saved %q", *saved.Content)
	}
	if r := nc.Wait(t, typing); !r.OK() {
		t.Fatal(r.Err())
	}
	r := nc.Do(t, "waitEqual", map[string]any{"names": []string{"a", "b"}, "contains": []string{"revised over REST", typed, "Alpha paragraph."}})
	if r["converged"] != true {
		t.Fatalf("clients did not converge on both changes: %v", r["states"])
	}
	if xml := r["state"].(map[string]any)["xml"].(string); strings.Count(xml, "Beta paragraph") != 1 {
		t.Fatalf("the revised paragraph is doubled: %s", xml)
	}
	want := "Alpha paragraph.\n\nBeta paragraph, revised over REST.\n\n" + typed
	waitChapter(t, in, e, ch, 5*time.Second, "hold both changes", func(c chapterJSON) bool { return *c.Content == want })

	// A version restore reaches the editors the same way.
	resp := in.api.Get(chapterPath(e.project, ch)+"/versions", e.owner.Token)
	var versions struct {
		Items []struct {
			ID uuid.UUID `json:"id"`
		} `json:"items"`
	}
	resp.JSON(t, &versions)
	oldest := versions.Items[len(versions.Items)-1].ID
	for range 20 {
		cur := getChapter(t, in, e, ch)
		resp = in.api.Do(testkit.Request{Method: http.MethodPost, Path: chapterPath(e.project, ch) + "/versions/" + oldest.String() + "/restore",
			Token: e.owner.Token, Header: http.Header{"If-Match": {fmt.Sprintf(`"%d"`, cur.Version)}}})
		if resp.StatusCode != http.StatusPreconditionFailed {
			break
		}
	}
	testkit.WantStatus(t, resp, http.StatusCreated)
	r = nc.Do(t, "waitEqual", map[string]any{"names": []string{"a", "b"}, "contains": []string{"Beta paragraph.</paragraph>"}})
	if r["converged"] != true {
		t.Fatalf("clients did not receive the restore: %v", r["states"])
	}
	if xml := r["state"].(map[string]any)["xml"].(string); strings.Contains(xml, "revised") || strings.Contains(xml, "typing") {
		t.Fatalf("the restore did not bring the first text back: %s", xml)
	}
	waitChapter(t, in, e, ch, 5*time.Second, "read as restored", func(c chapterJSON) bool { return *c.Content == "Alpha paragraph.\n\nBeta paragraph." })
}

// TestRESTSaveWithoutDocument: a chapter nobody opened keeps its Markdown
// as the truth: a save stores no document, and the next open seeds from the
// saved text.
func TestRESTSaveWithoutDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Plain", "Before.")
	in := e.start(t, nil)
	e.chapters.SetDocuments(in.mod)
	saveContent(t, in, e, ch, func(string) string { return "After the save." })
	var rows int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM collab_documents WHERE chapter_id = $1`, ch).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if n, err := e.rdb.XLen(context.Background(), in.mod.hub.bus.streamKey(ch)).Result(); rows != 0 || err != nil || n != 0 {
		t.Fatalf("a save without a document stored one: %d rows, %d stream entries (%v)", rows, n, err)
	}
	nc := collabtest.Start(t)
	openOn(t, nc, "a", in.ws, ch, e.owner.Token)
	nc.Do(t, "waitSynced", map[string]any{"name": "a"})
	if xml := nc.Do(t, "state", map[string]any{"name": "a"}).Str("xml"); xml != "<paragraph>After the save.</paragraph>" {
		t.Fatalf("seeded %s", xml)
	}
}

// TestNodeUnknownNodesRender: an element outside TipTap's schema renders
// its text into the chapter rather than failing the rendering.
func TestNodeUnknownNodesRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Odd", "Known text.")
	in := e.start(t, nil)
	nc := collabtest.Start(t)
	openOn(t, nc, "a", in.ws, ch, e.editor.Token)
	nc.Do(t, "waitSynced", map[string]any{"name": "a"})
	nc.Do(t, "element", map[string]any{"name": "a", "nodeName": "mysteryWidget", "text": "Strange but kept."})
	waitChapter(t, in, e, ch, 5*time.Second, "hold the unknown node's text", func(c chapterJSON) bool {
		return strings.Contains(*c.Content, "Known text.") && strings.Contains(*c.Content, "Strange but kept.")
	})
}

// TestDocumentFailuresKeepTheText: a document that cannot be read fails
// its rendering without touching the chapter (and is retried), and a REST
// save on it is saved all the same.
func TestDocumentFailuresKeepTheText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Broken", "Safe text.")
	in := e.start(t, nil)
	e.chapters.SetDocuments(in.mod)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO collab_documents (chapter_id, snapshot, snapshot_ms, snapshot_seq) VALUES ($1, '\x01ffffff', 0, 0)`, ch); err != nil {
		t.Fatal(err)
	}
	before := getChapter(t, in, e, ch)
	if _, err := in.mod.hub.renderChapter(ctx, ch); err == nil {
		t.Fatal("rendering an unreadable document succeeded")
	}
	// The renderer's own loop takes the document at once (renderNow kicks
	// it), fails, and puts it back to be tried again: a state without the
	// "now" mark, which only renderNow sets.
	in.mod.hub.renders.renderNow(ch, true)
	retried := false
	for deadline := time.Now().Add(10 * time.Second); !retried && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		in.mod.hub.renders.mu.Lock()
		s := in.mod.hub.renders.docs[ch]
		retried = s != nil && !s.now
		in.mod.hub.renders.mu.Unlock()
	}
	if !retried {
		t.Fatal("a failed rendering is not tried again")
	}
	if after := getChapter(t, in, e, ch); *after.Content != "Safe text." || after.Version != before.Version {
		t.Fatalf("a failed rendering changed the chapter: %+v", after)
	}
	saved := saveContent(t, in, e, ch, func(string) string { return "Saved anyway." })
	if *saved.Content != "Saved anyway." || *getChapter(t, in, e, ch).Content != "Saved anyway." {
		t.Fatalf("the save was lost: %+v", saved)
	}
}

// TestMergeBlocks: the three-way merge of a REST write into the document.
func TestMergeBlocks(t *testing.T) {
	p := prosemirror.ParseMarkdown
	cases := []struct{ base, next, cur, want string }{
		{"A\n\nB", "A\n\nB2", "A\n\nB", "A\n\nB2"},
		{"A\n\nB", "A\n\nB2", "A\n\nB\n\nTyped", "A\n\nB2\n\nTyped"},
		{"A\n\nB", "A2\n\nB", "A\n\nTyped\n\nB", "A2\n\nTyped\n\nB"},
		{"A\n\nB\n\nC", "A\n\nC", "A\n\nB\n\nC\n\nD", "A\n\nC\n\nD"},
		{"A\n\nB", "A\n\nB\n\nNew", "A\n\nB\n\nTyped", "A\n\nB\n\nNew\n\nTyped"},
		// Both changed B: both versions stay.
		{"A\n\nB", "A\n\nB over REST", "A\n\nB typed", "A\n\nB over REST\n\nB typed"},
		{"", "Fresh", "Typed", "Typed\n\nFresh"},
	}
	for _, c := range cases {
		got := prosemirror.Markdown(mergeDocs(p(c.base), p(c.next), p(c.cur)))
		if got != c.want {
			t.Errorf("merge(%q, %q, %q) = %q, want %q", c.base, c.next, c.cur, got, c.want)
		}
	}
}

// TestApplyKeepsConcurrentItems: the update a REST write becomes, applied
// beside an edit made concurrently from the same state, keeps both.
func TestApplyKeepsConcurrentItems(t *testing.T) {
	seed := ydoc.New(7)
	state, err := prosemirror.SeedYDoc(seed, prosemirror.FragmentName, prosemirror.ParseMarkdown("One.\n\nTwo."))
	if err != nil {
		t.Fatal(err)
	}
	server := ydoc.New(8)
	editor := ydoc.New(9)
	for _, d := range []*ydoc.Doc{server, editor} {
		if err := d.ApplyUpdate(state); err != nil {
			t.Fatal(err)
		}
	}
	typed, err := prosemirror.UpdateYDoc(editor, prosemirror.FragmentName, prosemirror.ParseMarkdown("One, typed.\n\nTwo."))
	if err != nil {
		t.Fatal(err)
	}
	target := mergeDocs(prosemirror.ParseMarkdown("One.\n\nTwo."), prosemirror.ParseMarkdown("One.\n\nTwo, saved."), prosemirror.FromYDoc(server, prosemirror.FragmentName))
	saved, err := prosemirror.UpdateYDoc(server, prosemirror.FragmentName, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.ApplyUpdate(typed); err != nil {
		t.Fatal(err)
	}
	if err := editor.ApplyUpdate(saved); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*ydoc.Doc{server, editor} {
		if md := prosemirror.Markdown(prosemirror.FromYDoc(d, prosemirror.FragmentName)); md != "One, typed.\n\nTwo, saved." {
			t.Fatalf("merged document %q", md)
		}
	}
}

// TestRenderOneAtATime: while another instance renders a document (holds
// its render lock), a rendering here writes nothing and is retried.
func TestRenderOneAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Locked", "Seeded text.")
	in := e.start(t, nil)
	ctx := context.Background()
	if _, _, err := in.mod.hub.load(ctx, ch); err != nil {
		t.Fatal(err)
	}
	// The document now says something else than the chapter.
	if _, err := e.pool.Exec(ctx, `UPDATE chapters SET content = 'Stale.' WHERE id = $1`, ch); err != nil {
		t.Fatal(err)
	}
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('collab-render:' || $1::text, 0))`, ch.String()); err != nil {
		t.Fatal(err)
	}
	busy, err := in.mod.hub.renderChapter(ctx, ch)
	if err != nil || !busy {
		t.Fatalf("render under another's lock: busy %v, %v", busy, err)
	}
	if got := getChapter(t, in, e, ch); *got.Content != "Stale." {
		t.Fatalf("a rendering wrote under another's lock: %q", *got.Content)
	}
	_ = tx.Rollback(ctx)
	if busy, err := in.mod.hub.renderChapter(ctx, ch); err != nil || busy {
		t.Fatalf("render: busy %v, %v", busy, err)
	}
	if got := getChapter(t, in, e, ch); *got.Content != "Seeded text." {
		t.Fatalf("the rendering wrote %q", *got.Content)
	}
}

// racingChapters is the chapters module with a REST write committed right
// after the first read of a chapter's content (while its document seeds).
type racingChapters struct {
	*chapters.Module
	once  sync.Once
	write func()
}

func (r *racingChapters) ChapterContent(ctx context.Context, id uuid.UUID) (string, bool, error) {
	c, ok, err := r.Module.ChapterContent(ctx, id)
	r.once.Do(r.write)
	return c, ok, err
}

// TestSaveDuringSeeding: a REST save committed while the document seeds
// from the previous text (it finds no document to apply to) still reaches
// the document.
func TestSaveDuringSeeding(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := chapterstest.AddText(t, e.pool, e.project, "Racing", "Old text.\n\nKept text.")
	var in *instance
	racing := &racingChapters{Module: e.chapters}
	racing.write = func() {
		saveContent(t, in, e, ch, func(string) string { return "New text.\n\nKept text." })
	}
	in = e.start(t, func(d *Deps) { d.Chapters = racing })
	e.chapters.SetDocuments(in.mod)
	r, _, err := in.mod.hub.load(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	if md, _, err := in.mod.hub.renderMarkdown(r.snapshot); err != nil || md != "New text.\n\nKept text." {
		t.Fatalf("the document loaded as %q (%v)", md, err)
	}
}

// TestMergeKeepsAttributes: blocks a REST write leaves alone keep the
// attributes Markdown cannot carry (set by other editor extensions).
func TestMergeKeepsAttributes(t *testing.T) {
	cur := prosemirror.ParseMarkdown("A\n\nB")
	cur.Content[0].Attrs = map[string]any{"id": "block-a"}
	got := mergeDocs(prosemirror.ParseMarkdown("A\n\nB"), prosemirror.ParseMarkdown("A\n\nB2"), cur)
	if len(got.Content) != 2 || got.Content[0].Attrs["id"] != "block-a" || prosemirror.Markdown(got) != "A\n\nB2" {
		t.Fatalf("merged %s", prosemirror.Markdown(got))
	}
}

// TestMatchBlocksLimit: past MaxMergeCells the changed middles are left
// unpaired (the merge then keeps both sides' blocks), within it paired.
func TestMatchBlocksLimit(t *testing.T) {
	side := func(n int, tag string) []string {
		out := []string{"same start"}
		for i := range n {
			out = append(out, fmt.Sprintf("%s %d", tag, i%7))
		}
		return append(out, "same end")
	}
	// The same blocks, but for the first and the last of the middle.
	changed := func(n int) []string {
		b := side(n, "x")
		b[1], b[n] = "changed first", "changed last"
		return b
	}
	small := matchBlocks(side(100, "x"), changed(100))
	big := matchBlocks(side(2100, "x"), changed(2100))
	if small[50] != 50 || small[1] != -1 {
		t.Fatalf("a small middle was not paired: %v", small[:60])
	}
	if big[0] != 0 || big[len(big)-1] != 2101 || big[1000] != -1 {
		t.Fatalf("a middle over the limit: ends %d %d, middle %d", big[0], big[len(big)-1], big[1000])
	}
}

// TestCompactionRendersOnlyWaitedEdits: a compaction makes edits that
// waited RenderQuiet due at once, leaves fresher ones to their debounce,
// and asks nothing for a document with no edits here.
func TestCompactionRendersOnlyWaitedEdits(t *testing.T) {
	now := time.Unix(1000, 0)
	h := &hub{timing: DefaultTiming, now: func() time.Time { return now }}
	r := newRenderer(h)
	fresh, waited, none := uuid.New(), uuid.New(), uuid.New()
	r.edited(waited)
	now = now.Add(DefaultTiming.RenderQuiet)
	r.edited(fresh)
	r.edited(waited) // still typing: RenderQuiet since the first edit, not the last
	for _, id := range []uuid.UUID{fresh, waited, none} {
		r.compacted(id)
	}
	due := r.due(now, false)
	if len(due) != 1 || due[0] != waited {
		t.Fatalf("due after the compactions: %v, want only %v", due, waited)
	}
	if _, ok := r.docs[fresh]; !ok {
		t.Fatal("the fresh edits lost their pending rendering")
	}
	if _, ok := r.docs[none]; ok {
		t.Fatal("a compaction without edits here asked for a rendering")
	}
}

// mergeDocs is mergeBlocks on parsed documents, their blocks' Markdown
// rendered here.
func mergeDocs(base, next, cur *prosemirror.Node) *prosemirror.Node {
	return mergeBlocks(base, blockKeys(base, nil), next, blockKeys(next, nil), cur)
}
