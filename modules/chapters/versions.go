package chapters

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

var errVersionNotFound = apperr.New(apperr.NotFound, "version not found")

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

func toVersionResponse(v store.Version) versionResponse {
	content := v.Content
	return versionResponse{
		ID: v.ID, ChapterID: v.ChapterID, Number: v.Number, Title: v.Title, Content: &content,
		WordCount: v.WordCount, Label: v.Label, Reason: v.Reason, AuthorID: v.AuthorID,
		RestoredFrom: v.RestoredFrom, ChapterVersion: v.ChapterVersion, CreatedAt: v.CreatedAt.UTC(),
	}
}

func toVersionListItem(v store.ListVersionsByChapterRow) versionResponse {
	return versionResponse{
		ID: v.ID, ChapterID: v.ChapterID, Number: v.Number, Title: v.Title,
		WordCount: v.WordCount, Label: v.Label, Reason: v.Reason, AuthorID: v.AuthorID,
		RestoredFrom: v.RestoredFrom, ChapterVersion: v.ChapterVersion, CreatedAt: v.CreatedAt.UTC(),
	}
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

// handleListVersions handles GET .../chapters/{chapter_id}/versions, newest first.
func (m *Module) handleListVersions(w http.ResponseWriter, r *http.Request) error {
	_, chapterID, _, err := m.chapterIn(r, RoleViewer)
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	scope := "versions:" + chapterID.String()
	cur := struct {
		N int32 `json:"n"`
	}{N: math.MaxInt32}
	if pr.Cursor != "" {
		if err := m.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return err
		}
	}
	rows, err := m.q.ListVersionsByChapter(r.Context(), store.ListVersionsByChapterParams{
		ChapterID: chapterID, BeforeNumber: cur.N, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return err
	}
	ids := make([]*uuid.UUID, len(rows))
	for i, v := range rows {
		ids[i] = v.AuthorID
	}
	names := m.authorNames(r.Context(), ids...)
	conv := func(v store.ListVersionsByChapterRow) versionResponse {
		out := toVersionListItem(v)
		out.AuthorName = nameOf(names, v.AuthorID)
		return out
	}
	return httpx.Encode(w, http.StatusOK, page.Build(m.cursors, scope, rows, pr.Limit, conv,
		func(v store.ListVersionsByChapterRow) any { return map[string]int32{"n": v.Number} }))
}

// handleGetVersion handles GET .../chapters/{chapter_id}/versions/{version_id}.
func (m *Module) handleGetVersion(w http.ResponseWriter, r *http.Request) error {
	_, chapterID, _, err := m.chapterIn(r, RoleViewer)
	if err != nil {
		return err
	}
	versionID, err := httpx.PathUUID(r, "version_id")
	if err != nil {
		return err
	}
	v, err := m.q.GetVersion(r.Context(), store.GetVersionParams{ID: versionID, ChapterID: chapterID})
	if db.IsNoRows(err) {
		return errVersionNotFound
	}
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, m.withName(r.Context(), toVersionResponse(v)))
}

// withName adds the author's name to one version.
func (m *Module) withName(ctx context.Context, v versionResponse) versionResponse {
	v.AuthorName = nameOf(m.authorNames(ctx, v.AuthorID), v.AuthorID)
	return v
}

// handleCreateVersion handles POST .../chapters/{chapter_id}/versions: it
// records the chapter as it is now, with an optional label. The body may be
// empty.
func (m *Module) handleCreateVersion(w http.ResponseWriter, r *http.Request) error {
	projectID, chapterID, _, err := m.chapterIn(r, RoleEditor)
	if err != nil {
		return err
	}
	var req createVersionRequest
	if r.ContentLength != 0 {
		if req, err = httpx.Decode[createVersionRequest](w, r, httpx.MaxBytes(4<<10)); err != nil {
			return err
		}
	}
	ctx := r.Context()
	var v store.Version
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ch, err := lockChapter(ctx, q, projectID, chapterID, expect.Any)
		if err != nil {
			return err
		}
		v, err = snapshot(ctx, q, ch, authn.UserID(ctx), "manual", req.Label, nil)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+v.ID.String())
	return httpx.Encode(w, http.StatusCreated, m.withName(ctx, toVersionResponse(v)))
}

// restoreResponse is the answer to a version restore: the chapter as it now
// is and the version that records the restore.
type restoreResponse struct {
	Chapter chapterResponse `json:"chapter"`
	Version versionResponse `json:"version"`
}

// handleRestoreVersion handles POST .../versions/{version_id}/restore. The
// chapter takes the version's title and content; the text it replaces is
// recorded first (unless already recorded), and the restore itself becomes
// a new version, so no history is ever lost. If-Match (the chapter's ETag)
// is optional.
func (m *Module) handleRestoreVersion(w http.ResponseWriter, r *http.Request) error {
	projectID, chapterID, _, err := m.chapterIn(r, RoleEditor)
	if err != nil {
		return err
	}
	versionID, err := httpx.PathUUID(r, "version_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ch, v, err := m.restoreVersion(ctx, projectID, chapterID, versionID, authn.UserID(ctx), want)
	if err != nil {
		return err
	}
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusCreated, restoreResponse{Chapter: toChapterResponse(ch), Version: m.withName(ctx, toVersionResponse(v))})
}

func (m *Module) restoreVersion(ctx context.Context, projectID, chapterID, versionID, userID uuid.UUID, want expect.Version) (ch store.Chapter, v store.Version, err error) {
	err = db.InTx(ctx, m.pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		cur, err := lockChapter(ctx, q, projectID, chapterID, want)
		if err != nil {
			return err
		}
		old, err := q.GetVersion(ctx, store.GetVersionParams{ID: versionID, ChapterID: chapterID})
		if db.IsNoRows(err) {
			return errVersionNotFound
		}
		if err != nil {
			return fmt.Errorf("get version: %w", err)
		}
		if err := m.autosave(ctx, q, cur, true); err != nil {
			return err
		}
		ch, err = q.UpdateChapter(ctx, store.UpdateChapterParams{
			ID: cur.ID, Title: old.Title, Content: old.Content, Status: cur.Status,
			WordCount: int32(CountWords(old.Content)), AuthorID: &userID,
		})
		if err != nil {
			return fmt.Errorf("update chapter: %w", err)
		}
		if err := m.addWords(ctx, tx, projectID, int64(ch.WordCount)-int64(cur.WordCount)); err != nil {
			return err
		}
		v, err = snapshot(ctx, q, ch, userID, "restore", nil, &old.ID)
		return err
	})
	return ch, v, err
}
