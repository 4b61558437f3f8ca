package chapters

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

// handleListVersions handles GET .../chapters/{chapter_id}/versions, newest first.
func (m *Module) handleListVersions(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	p, err := m.svc.ListVersions(r.Context(), access.GrantFrom(r.Context()), chapterID, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toVersionListItem))
}

// handleGetVersion handles GET .../chapters/{chapter_id}/versions/{version_id}.
func (m *Module) handleGetVersion(w http.ResponseWriter, r *http.Request) error {
	chapterID, versionID, err := chapterAnd(r, "version_id")
	if err != nil {
		return err
	}
	v, err := m.svc.GetVersion(r.Context(), access.GrantFrom(r.Context()), chapterID, versionID)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toVersionResponse(v))
}

// handleCreateVersion handles POST .../chapters/{chapter_id}/versions: it
// records the chapter as it is now, with an optional label. The body may be
// empty.
func (m *Module) handleCreateVersion(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	var req createVersionRequest
	if r.ContentLength != 0 {
		if req, err = httpx.Decode[createVersionRequest](w, r, httpx.MaxBytes(maxVersionRequestBytes)); err != nil {
			return err
		}
	}
	v, err := m.svc.CreateVersion(r.Context(), access.GrantFrom(r.Context()), chapterID, req.Label)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+v.Row.ID.String())
	return httpx.Encode(w, http.StatusCreated, toVersionResponse(v))
}

// handleRestoreVersion handles POST .../versions/{version_id}/restore. The
// chapter takes the version's title and content. If-Match (the chapter's
// ETag) is optional.
func (m *Module) handleRestoreVersion(w http.ResponseWriter, r *http.Request) error {
	chapterID, versionID, err := chapterAnd(r, "version_id")
	if err != nil {
		return err
	}
	want, err := httpx.OptionalVersion(r)
	if err != nil {
		return err
	}
	ch, v, err := m.svc.RestoreVersion(r.Context(), access.GrantFrom(r.Context()), chapterID, versionID, want)
	if err != nil {
		return err
	}
	httpx.SetETag(w, ch.Version)
	return httpx.Encode(w, http.StatusCreated, restoreResponse{Chapter: toChapterResponse(ch), Version: toVersionResponse(v)})
}
