package chapters

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
)

// versionResponse is one entry of a chapter's history. author_id is who
// wrote the recorded text; created_at is when it was recorded.
type versionResponse struct {
	ID             uuid.UUID  `json:"id"`
	ChapterID      uuid.UUID  `json:"chapter_id"`
	Number         int32      `json:"number"`
	Title          string     `json:"title"`
	Content        *string    `json:"content,omitempty"`
	WordCount      int32      `json:"word_count"`
	Label          *string    `json:"label"`
	Reason         string     `json:"reason"`
	AuthorID       *uuid.UUID `json:"author_id"`
	AuthorName     *string    `json:"author_name"`
	RestoredFrom   *uuid.UUID `json:"restored_from"`
	ChapterVersion *int32     `json:"chapter_version"`
	CreatedAt      time.Time  `json:"created_at"`
}

func toVersionResponse(a authored[store.Version]) versionResponse {
	v := a.Row
	content := v.Content
	return versionResponse{
		ID: v.ID, ChapterID: v.ChapterID, Number: v.Number, Title: v.Title, Content: &content,
		WordCount: v.WordCount, Label: v.Label, Reason: v.Reason, AuthorID: v.AuthorID, AuthorName: a.AuthorName,
		RestoredFrom: v.RestoredFrom, ChapterVersion: v.ChapterVersion, CreatedAt: v.CreatedAt.UTC(),
	}
}

func toVersionListItem(a authored[store.ListVersionsByChapterRow]) versionResponse {
	v := a.Row
	return versionResponse{
		ID: v.ID, ChapterID: v.ChapterID, Number: v.Number, Title: v.Title,
		WordCount: v.WordCount, Label: v.Label, Reason: v.Reason, AuthorID: v.AuthorID, AuthorName: a.AuthorName,
		RestoredFrom: v.RestoredFrom, ChapterVersion: v.ChapterVersion, CreatedAt: v.CreatedAt.UTC(),
	}
}

// restoreResponse is the answer to a version restore: the chapter as it now
// is and the version that records the restore.
type restoreResponse struct {
	Chapter chapterResponse `json:"chapter"`
	Version versionResponse `json:"version"`
}

// createVersionRequest is the optional body of POST .../versions.
type createVersionRequest struct {
	Label *string `json:"label"`
}

func (r *createVersionRequest) Validate() error {
	if r.Label == nil {
		return nil
	}
	l := strings.TrimSpace(*r.Label)
	switch n := utf8.RuneCountInString(l); {
	case n == 0:
		return apperr.Field("label", "must not be empty when given (leave it out for no label)")
	case n > MaxVersionLabel:
		return apperr.Field("label", fmt.Sprintf("must be at most %d characters", MaxVersionLabel))
	case strings.ContainsFunc(l, unicode.IsControl):
		return apperr.Field("label", "must be one line without control characters")
	}
	r.Label = &l
	return nil
}
