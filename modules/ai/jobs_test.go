package ai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
	"github.com/thebrain/thebrain/platform/testkit"
)

// startJob posts an operation that answers 202 and returns the job.
func (e *env) startJob(t testing.TB, op string, body map[string]any) jobView {
	t.Helper()
	resp := e.post(t, op, e.editor.Token, body)
	testkit.WantStatus(t, resp, http.StatusAccepted)
	var j jobView
	resp.JSON(t, &j)
	if loc := resp.Header.Get("Location"); loc != "/api/v1/jobs/"+j.ID.String() {
		t.Fatalf("Location %q for job %s", loc, j.ID)
	}
	if j.ProjectID == nil || *j.ProjectID != e.project || (j.Status != "queued" && j.Status != "running") {
		t.Fatalf("job %+v", j)
	}
	// The body is the job resource, as GET /api/v1/jobs/{id} shows it.
	get := e.c.For(t).Get("/api/v1/jobs/"+j.ID.String(), e.editor.Token)
	var fromGet map[string]any
	var fromPost map[string]any
	get.JSON(t, &fromGet)
	resp.JSON(t, &fromPost)
	if fromGet["type"] != fromPost["type"] || fromGet["id"] != fromPost["id"] || len(fromPost) < 10 {
		t.Fatalf("202 body %v differs from the job resource %v", fromPost, fromGet)
	}
	return j
}

// TestDraftBeatByBeat: a draft from beats is one call per beat, each
// within the output cap and seeing the chapter so far; without beats the
// model plans them first.
func TestDraftBeatByBeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{work: true})
	e.primary.Respond(func(c providertest.Call) providertest.Reply {
		if strings.Contains(c.System, "plan a chapter") {
			return providertest.Reply{Text: "- Mara reaches the cliff\n2. The beam fails\n\n* Dawn"}
		}
		beat := regexp.MustCompile(`Beat (\d+) of (\d+)`).FindStringSubmatch(c.User)
		return providertest.Reply{Text: "Prose of beat " + beat[1] + "."}
	})
	j := e.startJob(t, "draft", map[string]any{"project_id": e.project, "topic": "The storm", "purpose": "raise the stakes",
		"beats": []string{"Mara reaches the lighthouse", "The lamp goes out"}})
	if j.Type != "ai.draft" {
		t.Fatalf("type %q", j.Type)
	}
	done := e.awaitJob(t, e.editor.Token, j.ID)
	var res draftResult
	_ = json.Unmarshal(done.Result, &res)
	if done.Status != "succeeded" || res.Text != "Prose of beat 1.\n\nProse of beat 2." || len(res.Beats) != 2 || res.Usage.OutputTokens == 0 {
		t.Fatalf("job %+v, result %s", done, done.Result)
	}
	calls := e.primary.Requests()
	if len(calls) != 2 || calls[0].MaxTokens != MaxOutputTokens {
		t.Fatalf("%d calls, max tokens %d", len(calls), calls[0].MaxTokens)
	}
	if !strings.Contains(calls[1].User, "Prose of beat 1.") || strings.Contains(calls[0].User, "Prose of beat") {
		t.Fatal("the second beat did not see the first")
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE job_id = $1 AND operation = 'draft'", j.ID); n != 2 {
		t.Fatalf("%d calls recorded for the job", n)
	}

	e.primary.Reset()
	j = e.startJob(t, "draft", map[string]any{"project_id": e.project, "topic": "Dawn after the storm"})
	done = e.awaitJob(t, e.editor.Token, j.ID)
	_ = json.Unmarshal(done.Result, &res)
	if done.Status != "succeeded" || len(res.Beats) != 3 || res.Beats[1].Beat != "The beam fails" || e.primary.Calls() != 4 {
		t.Fatalf("planned draft: %s after %d calls", done.Result, e.primary.Calls())
	}
}

// findingsFor answers a consistency prompt with one finding about the
// chapter it names.
func findingsFor(c providertest.Call) string {
	id := regexp.MustCompile(`\(id ([0-9a-f-]{36}),`).FindStringSubmatch(c.User)
	if id == nil {
		id = regexp.MustCompile(`"chapter_id" always "([0-9a-f-]{36})"`).FindStringSubmatch(c.System)
	}
	return fmt.Sprintf(`{"issues":[{"chapter_id":%q,"quote":"blue eyes","conflicts_with":"Mara Vell","severity":"medium","explanation":"The note says her eyes are grey."}]}`, id[1])
}

// TestConsistencyCheck: each chapter is checked with a JSON schema sent to
// the provider, and the findings come back in the job's result.
func TestConsistencyCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{work: true})
	e.primary.Respond(func(c providertest.Call) providertest.Reply { return providertest.Reply{Text: findingsFor(c)} })
	ch1 := e.addChapter(t, e.project, "One", "Mara looked up with her blue eyes.")
	e.addChapter(t, e.project, "Two", "The storm rose.")
	e.addChapter(t, e.project, "Empty", "")
	e.addNote(t, "Mara", "Mara has grey eyes.")
	j := e.startJob(t, "consistency", map[string]any{"project_id": e.project})
	done := e.awaitJob(t, e.editor.Token, j.ID)
	var res consistencyResult
	_ = json.Unmarshal(done.Result, &res)
	if done.Status != "succeeded" || res.ChaptersChecked != 2 || len(res.Findings) != 2 || res.Findings[0].ChapterID != ch1.String() || res.Findings[0].Severity != "medium" {
		t.Fatalf("job %+v: %s", done, done.Result)
	}
	c := e.primary.Requests()[0]
	if !strings.Contains(string(c.Schema), `"conflicts_with"`) || !strings.Contains(c.User, "Mara has grey eyes") {
		t.Fatalf("the check went without its schema or the note: %s", c.Body)
	}
}

// TestConsistencyRepair: an answer that does not match the schema gets one
// repair; a second miss fails the job at once with a clear error.
func TestConsistencyRepair(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{work: true})
	ch := e.addChapter(t, e.project, "One", "Mara looked up.")

	e.primary.Then(providertest.Reply{Text: `{"issues":[{"chapter_id":"x","quote":"q","severity":"catastrophic"}]}`})
	e.primary.Respond(func(c providertest.Call) providertest.Reply { return providertest.Reply{Text: findingsFor(c)} })
	j := e.startJob(t, "consistency", map[string]any{"project_id": e.project, "chapter_ids": []uuid.UUID{ch}})
	done := e.awaitJob(t, e.editor.Token, j.ID)
	if done.Status != "succeeded" || e.primary.Calls() != 2 {
		t.Fatalf("repaired check: %+v after %d calls", done, e.primary.Calls())
	}
	repair := e.primary.Requests()[1]
	if !strings.Contains(repair.System, "previous answer was not valid") || !strings.Contains(repair.User, "severity must be low, medium or high") {
		t.Fatalf("the repair prompt does not say what was wrong:\n%s", repair.User)
	}

	e.primary.Reset()
	e.primary.Respond(func(providertest.Call) providertest.Reply {
		return providertest.Reply{Text: "Here are my findings: none!"}
	})
	e.addChapter(t, e.project, "Two", "More text.") // a different request: no cached answers
	j = e.startJob(t, "consistency", map[string]any{"project_id": e.project})
	done = e.awaitJob(t, e.editor.Token, j.ID)
	if done.Status != "failed" || done.Attempts != 1 || done.Error == nil || !strings.Contains(*done.Error, "did not match the findings schema, even after one repair") {
		t.Fatalf("job %+v (error %v)", done, done.Error)
	}
	if e.primary.Calls() != 2 {
		t.Fatalf("%d calls: want the answer and one repair", e.primary.Calls())
	}
	if n := e.count(t, "SELECT count(*) FROM ai_requests WHERE outcome = 'invalid_output'"); n != 3 {
		t.Fatalf("%d invalid outputs recorded, want 3", n)
	}
	if keys := e.rdb.Keys(t.Context(), e.keys.Key("ai", "cache", "*")).Val(); len(keys) != 1 {
		t.Fatalf("cache keys %v: an invalid answer was cached", keys)
	}
}

// TestOneConsistencyCheckAtATime: while a user's check of a book is
// queued, asking again answers that job.
func TestOneConsistencyCheckAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{}) // no worker: the job stays queued
	e.addChapter(t, e.project, "One", "Text.")
	first := e.startJob(t, "consistency", map[string]any{"project_id": e.project})
	second := e.startJob(t, "consistency", map[string]any{"project_id": e.project})
	if first.ID != second.ID {
		t.Fatalf("two checks of one book: %s and %s", first.ID, second.ID)
	}
}

// TestJobOwnerRemoved: a job whose owner lost the book by the time it
// runs ends for good, without a call.
func TestJobOwnerRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	j := e.startJob(t, "draft", map[string]any{"project_id": e.project, "topic": "t", "beats": []string{"b"}})
	e.books.Trash(t, e.project)
	ctx, cancel := contextWithCancel()
	defer cancel()
	go func() { _ = e.jobs.Work(ctx) }()
	done := e.awaitJob(t, e.editor.Token, j.ID)
	if done.Status != "failed" || done.Attempts != 1 || e.primary.Calls() != 0 {
		t.Fatalf("job %+v after %d calls", done, e.primary.Calls())
	}
}
