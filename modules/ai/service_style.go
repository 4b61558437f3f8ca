package ai

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/ai/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/roles"
)

// styleSample is a book's style sample; Version 0 means none was set.
type styleSample struct {
	Sample    string
	Version   int32
	UpdatedAt *time.Time
}

// GetStyle returns the book's style sample (empty when none was set).
func (s *service) GetStyle(ctx context.Context, g access.Grant) (styleSample, error) {
	row, err := s.q.GetStyleSample(ctx, g.ProjectID)
	if db.IsNoRows(err) {
		return styleSample{}, nil
	}
	if err != nil {
		return styleSample{}, fmt.Errorf("get style sample: %w", err)
	}
	return styleSample{Sample: row.Sample, Version: row.Version, UpdatedAt: &row.UpdatedAt}, nil
}

// PutStyle replaces the book's style sample ("" clears it). want, when
// set, must name the current version (0 for none yet).
func (s *service) PutStyle(ctx context.Context, g access.Grant, want expect.Version, sample string) (styleSample, error) {
	var out styleSample
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := s.guard.Confirm(ctx, tx, g, roles.Editor); err != nil {
			return err
		}
		q := store.New(tx)
		cur, err := q.GetStyleSampleForUpdate(ctx, g.ProjectID)
		if err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("lock style sample: %w", err)
		}
		if err := want.Check(cur); err != nil {
			return err
		}
		row, err := q.PutStyleSample(ctx, store.PutStyleSampleParams{ProjectID: g.ProjectID, Sample: sample, UpdatedBy: &g.UserID})
		if err != nil {
			return fmt.Errorf("put style sample: %w", err)
		}
		out = styleSample{Sample: row.Sample, Version: row.Version, UpdatedAt: &row.UpdatedAt}
		return nil
	})
	return out, err
}
