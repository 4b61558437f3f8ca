package chapters

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/page"
)

// Chapter statuses.
var statuses = []string{statusDraft, "revising", "final"}

type chapterResponse struct {
	ID        uuid.UUID  `json:"id"`
	ProjectID uuid.UUID  `json:"project_id"`
	Title     string     `json:"title"`
	Content   *string    `json:"content,omitempty"`
	Position  int32      `json:"position"`
	Status    string     `json:"status"`
	WordCount int32      `json:"word_count"`
	Version   int32      `json:"version"`
	CreatedBy *uuid.UUID `json:"created_by"`
	UpdatedBy *uuid.UUID `json:"updated_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func toChapterResponse(c store.Chapter) chapterResponse {
	content := c.Content
	return chapterResponse{
		ID: c.ID, ProjectID: c.ProjectID, Title: c.Title, Content: &content, Position: c.Position,
		Status: c.Status, WordCount: c.WordCount, Version: c.Version, CreatedBy: c.CreatedBy,
		UpdatedBy: c.UpdatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func toChapterListItem(withContent bool) func(store.ListChaptersByProjectRow) chapterResponse {
	return func(c store.ListChaptersByProjectRow) chapterResponse {
		out := chapterResponse{
			ID: c.ID, ProjectID: c.ProjectID, Title: c.Title, Position: c.Position,
			Status: c.Status, WordCount: c.WordCount, Version: c.Version, CreatedBy: c.CreatedBy,
			UpdatedBy: c.UpdatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		}
		if withContent {
			content := c.Content
			out.Content = &content
		}
		return out
	}
}

// toChapterOrder is the answer to a reorder: every chapter, in order, as
// one page without content or cursor.
func toChapterOrder(rows []store.ListChaptersByProjectRow) page.Page[chapterResponse] {
	return page.Map(page.Page[store.ListChaptersByProjectRow]{Items: rows}, toChapterListItem(false))
}

// createChapterRequest is the body of POST .../chapters.
type createChapterRequest struct {
	Title    string  `json:"title"`
	Content  string  `json:"content"`
	Status   *string `json:"status"`
	Position *int    `json:"position"`
}

func (r *createChapterRequest) Validate() error {
	p := map[string]string{}
	r.Title = normalizeTitle(r.Title)
	checkTitle(p, r.Title)
	checkContent(p, r.Content)
	if r.Status != nil {
		checkStatus(p, *r.Status)
	}
	if r.Position != nil && *r.Position < 0 {
		p["position"] = "must be 0 or more"
	}
	return apperr.Validation(p)
}

// putChapterRequest replaces every writable field of a chapter.
type putChapterRequest struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
	Status  *string `json:"status"`
	Version *int32  `json:"version"`
}

func (r *putChapterRequest) Validate() error {
	p := map[string]string{}
	for name, v := range map[string]*string{"title": r.Title, "content": r.Content, "status": r.Status} {
		if v == nil {
			p[name] = "required: PUT replaces the whole chapter (use PATCH to change some fields)"
		}
	}
	if err := apperr.Validation(p); err != nil {
		return err
	}
	return (*patchChapterRequest)(r).Validate()
}

// patchChapterRequest changes the fields it names.
type patchChapterRequest putChapterRequest

func (r *patchChapterRequest) Validate() error {
	p := map[string]string{}
	if r.Title != nil {
		t := normalizeTitle(*r.Title)
		r.Title = &t
		checkTitle(p, t)
	}
	if r.Content != nil {
		checkContent(p, *r.Content)
	}
	if r.Status != nil {
		checkStatus(p, *r.Status)
	}
	if r.Version != nil && *r.Version < 1 {
		p["version"] = "must be 1 or more"
	}
	return apperr.Validation(p)
}

func (r *createChapterRequest) newChapter() newChapter {
	c := newChapter{Title: r.Title, Content: r.Content, Position: r.Position}
	if r.Status != nil {
		c.Status = *r.Status
	}
	return c
}

func (r *patchChapterRequest) change() chapterChange {
	return chapterChange{Title: r.Title, Content: r.Content, Status: r.Status}
}

// reorderRequest is the body of POST .../chapters/reorder.
type reorderRequest struct {
	ChapterIDs []uuid.UUID `json:"chapter_ids"`
}

func (r *reorderRequest) Validate() error {
	switch {
	case r.ChapterIDs == nil:
		return apperr.Field("chapter_ids", "required: every chapter id of the project, in the new order")
	case len(r.ChapterIDs) > MaxChaptersPerProject:
		return apperr.Field("chapter_ids", fmt.Sprintf("a project holds at most %d chapters", MaxChaptersPerProject))
	}
	return nil
}

func checkTitle(p map[string]string, t string) {
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		p["title"] = "must not be empty"
	case n > MaxChapterTitle:
		p["title"] = fmt.Sprintf("must be at most %d characters", MaxChapterTitle)
	case strings.ContainsAny(t, "\x00\r\n"):
		p["title"] = "must be a single line"
	}
}

func checkContent(p map[string]string, c string) {
	switch {
	case len(c) > MaxChapterContent:
		p["content"] = fmt.Sprintf("must be at most %d MiB (%d bytes of UTF-8)", MaxChapterContent>>20, MaxChapterContent)
	case strings.ContainsRune(c, 0):
		p["content"] = "must not contain NUL characters"
	}
}

func checkStatus(p map[string]string, s string) {
	for _, ok := range statuses {
		if s == ok {
			return
		}
	}
	p["status"] = "must be one of draft, revising, final"
}
