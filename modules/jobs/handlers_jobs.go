package jobs

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/page"
)

const jobParam = "job_id"

// handleListJobs handles GET /api/v1/jobs: the caller's jobs, newest first;
// ?status= and ?type= narrow the list.
func (m *Module) handleListJobs(w http.ResponseWriter, r *http.Request) error {
	pr, err := page.Parse(r)
	if err != nil {
		return err
	}
	f, err := filterOf(r.URL.Query())
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, err := m.svc.List(ctx, authn.UserID(ctx), f, pr)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, page.Map(p, toJobResponse))
}

// handleGetJob handles GET /api/v1/jobs/{job_id}.
func (m *Module) handleGetJob(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, jobParam)
	if err != nil {
		return err
	}
	ctx := r.Context()
	j, err := m.svc.Get(ctx, authn.UserID(ctx), id)
	if err != nil {
		return err
	}
	return encodeJob(w, j)
}

// handleCancelJob handles POST /api/v1/jobs/{job_id}/cancel.
func (m *Module) handleCancelJob(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathUUID(r, jobParam)
	if err != nil {
		return err
	}
	ctx := r.Context()
	j, err := m.svc.Cancel(ctx, authn.UserID(ctx), id)
	if err != nil {
		return err
	}
	return encodeJob(w, j)
}

// encodeJob answers one job; while it is not finished, Retry-After tells a
// polling client when to look again.
func encodeJob(w http.ResponseWriter, j Job) error {
	if j.Status == StatusQueued || j.Status == StatusRunning {
		w.Header().Set("Retry-After", pollAfter)
	}
	return httpx.Encode(w, http.StatusOK, toJobResponse(j))
}
