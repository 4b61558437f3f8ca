package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/jobs/internal/store"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
)

// The statuses of a job.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

var statuses = []string{StatusQueued, StatusRunning, StatusSucceeded, StatusFailed, StatusCancelled}

// errJobNotFound answers a job that is missing or not the caller's alike.
var errJobNotFound = apperr.New(apperr.NotFound, "job not found")

// enqueue records a job in tx and makes its delivery part of tx.
func (s *service) enqueue(ctx context.Context, tx pgx.Tx, r module.JobRequest) (module.JobRef, error) {
	if _, ok := s.kinds[r.Kind]; !ok {
		return module.JobRef{}, fmt.Errorf("jobs: enqueue of unknown kind %q", r.Kind)
	}
	if len(r.UniqueKey) > MaxUniqueKey {
		return module.JobRef{}, fmt.Errorf("jobs: unique key of %d bytes (at most %d)", len(r.UniqueKey), MaxUniqueKey)
	}
	payload := []byte("{}")
	if r.Payload != nil {
		var err error
		if payload, err = json.Marshal(r.Payload); err != nil {
			return module.JobRef{}, fmt.Errorf("jobs: encode payload: %w", err)
		}
	}
	if len(payload) > MaxPayloadBytes {
		return module.JobRef{}, apperr.Newf(apperr.TooLarge, "the job's input is %d bytes; at most %d", len(payload), MaxPayloadBytes)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return module.JobRef{}, err
	}
	q := store.New(tx)
	row, err := q.InsertJob(ctx, store.InsertJobParams{
		ID: id, Kind: r.Kind, OwnerID: nilIfZero(r.OwnerID), ProjectID: nilIfZero(r.ProjectID), Payload: payload,
		UniqueKey: nilIfEmpty(r.UniqueKey), MaxAttempts: module.MaxJobAttempts, Transport: s.transport.name(),
	})
	if db.IsNoRows(err) {
		// The unique key is held by a queued or running job: that one.
		cur, err := q.GetActiveJobByKey(ctx, store.GetActiveJobByKeyParams{Kind: r.Kind, UniqueKey: &r.UniqueKey})
		if err != nil {
			return module.JobRef{}, fmt.Errorf("jobs: job holding the unique key: %w", err)
		}
		return module.JobRef{ID: cur.ID, Status: cur.Status, Existing: true}, nil
	}
	if err != nil {
		return module.JobRef{}, fmt.Errorf("jobs: insert job: %w", err)
	}
	if err := s.transport.enqueued(ctx, tx, row.ID); err != nil {
		return module.JobRef{}, fmt.Errorf("jobs: deliver job: %w", err)
	}
	return module.JobRef{ID: row.ID, Status: row.Status}, nil
}

func nilIfZero(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Job is a job as its owner sees it.
type Job struct {
	store.Job
	// Result is the decoded result (nil for none).
	Result json.RawMessage
}

func (s *service) view(j store.Job) (Job, error) {
	res, err := decodeResult(j.Result, j.ResultGz)
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", j.ID, err)
	}
	return Job{Job: j, Result: res}, nil
}

// Get returns one of userID's jobs; another user's is not found.
func (s *service) Get(ctx context.Context, userID, id uuid.UUID) (Job, error) {
	j, err := s.q.GetJobForOwner(ctx, store.GetJobForOwnerParams{ID: id, OwnerID: &userID})
	if db.IsNoRows(err) {
		return Job{}, errJobNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("get job: %w", err)
	}
	return s.view(j)
}

// Filter narrows a list of jobs; empty fields do not.
type Filter struct {
	Status string
	Kind   string
}

type jobKey struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// List pages through userID's jobs, newest first.
func (s *service) List(ctx context.Context, userID uuid.UUID, f Filter, pr page.Request) (page.Page[Job], error) {
	scope := "jobs:" + userID.String() + ":" + f.Status + ":" + f.Kind
	before := jobKey{T: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), ID: uuid.Max}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &before); err != nil {
			return page.Page[Job]{}, err
		}
	}
	rows, err := s.q.ListJobsForOwner(ctx, store.ListJobsForOwnerParams{
		OwnerID: &userID, Status: nilIfEmpty(f.Status), Kind: nilIfEmpty(f.Kind),
		BeforeCreatedAt: before.T, BeforeID: before.ID, MaxRows: int32(pr.Limit + 1),
	})
	if err != nil {
		return page.Page[Job]{}, fmt.Errorf("list jobs: %w", err)
	}
	views := make([]Job, len(rows))
	for i, r := range rows {
		if views[i], err = s.view(r); err != nil {
			return page.Page[Job]{}, err
		}
	}
	return page.Build(s.cursors, scope, views, pr.Limit, func(j Job) Job { return j },
		func(j Job) any { return jobKey{T: j.CreatedAt, ID: j.ID} }), nil
}

// Cancel ends one of userID's jobs: a queued job at once, a running one
// when its attempt next renews its lease (its context is then cancelled).
// A finished job cannot be cancelled.
func (s *service) Cancel(ctx context.Context, userID, id uuid.UUID) (Job, error) {
	j, err := s.q.CancelQueuedJob(ctx, store.CancelQueuedJobParams{ID: id, OwnerID: &userID})
	if db.IsNoRows(err) {
		cur, err := s.Get(ctx, userID, id)
		if err != nil {
			return Job{}, err
		}
		return cur, apperr.Newf(apperr.Conflict, "the job has already %s", cur.Status)
	}
	if err != nil {
		return Job{}, fmt.Errorf("cancel job: %w", err)
	}
	return s.view(j)
}
