package jobs

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
)

// pollAfter is the Retry-After (seconds) on a job that has not finished.
const pollAfter = "2"

// jobResponse is a job as the API shows it (docs/jobs.md).
type jobResponse struct {
	ID              uuid.UUID       `json:"id"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	ProjectID       *uuid.UUID      `json:"project_id"`
	Attempts        int32           `json:"attempts"`
	MaxAttempts     int32           `json:"max_attempts"`
	Progress        int16           `json:"progress"`
	ProgressMessage string          `json:"progress_message,omitempty"`
	CancelRequested bool            `json:"cancel_requested"`
	Result          json.RawMessage `json:"result,omitempty"`
	Error           *string         `json:"error,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	StartedAt       *time.Time      `json:"started_at"`
	FinishedAt      *time.Time      `json:"finished_at"`
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toJobResponse(j Job) jobResponse {
	return jobResponse{
		ID: j.ID, Type: j.Kind, Status: j.Status, ProjectID: j.ProjectID, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
		Progress: j.Progress, ProgressMessage: j.ProgressMessage, CancelRequested: j.CancelRequested,
		Result: j.Result, Error: j.Error, CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.UpdatedAt.UTC(),
		StartedAt: utc(j.StartedAt), FinishedAt: utc(j.FinishedAt),
	}
}

// filterOf reads ?status= and ?type= of a job list.
func filterOf(q url.Values) (Filter, error) {
	p := map[string]string{}
	var f Filter
	switch v := q["status"]; {
	case len(v) > 1:
		p["status"] = "give status once"
	case len(v) == 1 && !slices.Contains(statuses, v[0]):
		p["status"] = "must be one of " + strings.Join(statuses, ", ")
	case len(v) == 1:
		f.Status = v[0]
	}
	switch v := q["type"]; {
	case len(v) > 1:
		p["type"] = "give type once"
	case len(v) == 1 && (v[0] == "" || len(v[0]) > 100):
		p["type"] = "must be a job type such as ai.consistency"
	case len(v) == 1:
		f.Kind = v[0]
	}
	return f, apperr.Validation(p)
}
