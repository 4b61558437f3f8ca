package chapters

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/testkit"
)

// unreachableDocuments is a collaboration server that cannot be reached.
type unreachableDocuments struct{ calls atomic.Int32 }

func (u *unreachableDocuments) Apply(context.Context, uuid.UUID, string, string) error {
	u.calls.Add(1)
	return errors.New("redis: connection refused")
}

// TestUnappliedWriteKeptAsVersion: a content write the chapter's live
// document never received (the collaboration server unreachable through
// every attempt) is kept in the chapter's history, so the document's next
// rendering cannot make it disappear.
func TestUnappliedWriteKeptAsVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	docs := &unreachableDocuments{}
	e.mod.SetDocuments(docs)
	ch := e.createChapter("One", "first draft")
	resp := e.c.Send(http.MethodPatch, e.chapterPath(e.project, ch.ID), e.editor.Token,
		map[string]any{"content": "the text the author saved", "version": ch.Version})
	testkit.WantStatus(t, resp, http.StatusOK)
	if n := docs.calls.Load(); n != documentAttempts {
		t.Fatalf("%d attempts to reach the document, want %d", n, documentAttempts)
	}
	var kept *versionResponse
	for _, v := range e.versions(ch.ID) {
		if v.Label != nil && *v.Label == unappliedLabel {
			kept = &v
		}
	}
	if kept == nil {
		t.Fatalf("no version keeps the write: %+v", e.versions(ch.ID))
	}
	resp = e.c.Get(e.chapterPath(e.project, ch.ID)+"/versions/"+kept.ID.String(), e.viewer.Token)
	testkit.WantStatus(t, resp, http.StatusOK)
	var v versionResponse
	resp.JSON(t, &v)
	if v.Content == nil || *v.Content != "the text the author saved" {
		t.Fatalf("the kept version holds %v", v.Content)
	}
}
