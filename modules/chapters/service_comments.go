package chapters

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/chapters/internal/store"
	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/db"
	"github.com/thebrain/thebrain/platform/expect"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/roles"
)

// newComment is a validated new comment; ParentID names the comment it
// replies to, if any; Anchor is a JSON object or nil.
type newComment struct {
	Body     string
	ParentID *uuid.UUID
	Anchor   json.RawMessage
}

// commentChange is a validated edit: a nil Body stays; Anchor replaces the
// anchor when AnchorSet (nil removes it).
type commentChange struct {
	Body      *string
	Anchor    json.RawMessage
	AnchorSet bool
}

func commentAuthor(c store.Comment) *uuid.UUID { return c.AuthorID }

func isAuthor(c store.Comment, userID uuid.UUID) bool {
	return c.AuthorID != nil && *c.AuthorID == userID
}

// ListComments returns a page of a live chapter's comments, oldest first:
// all of them when resolved is nil, else only the resolved or the open
// ones.
func (s *service) ListComments(ctx context.Context, g access.Grant, chapterID uuid.UUID, resolved *bool, pr page.Request) (page.Page[authored[store.Comment]], error) {
	var none page.Page[authored[store.Comment]]
	filter := "all"
	if resolved != nil {
		filter = fmt.Sprint(*resolved)
	}
	scope := "comments:" + filter + ":" + chapterID.String()
	var cur struct {
		T  time.Time `json:"t"`
		ID uuid.UUID `json:"id"`
	}
	if pr.Cursor != "" {
		if err := s.cursors.Decode(scope, pr.Cursor, &cur); err != nil {
			return none, err
		}
	}
	args := store.ListCommentsByChapterParams{
		ChapterID: chapterID, ProjectID: g.ProjectID, AfterTime: cur.T, AfterID: cur.ID, MaxRows: int32(pr.Limit + 1),
	}
	var rows []store.Comment
	var err error
	switch {
	case resolved == nil:
		rows, err = s.q.ListCommentsByChapter(ctx, args)
	case *resolved:
		rows, err = s.q.ListResolvedCommentsByChapter(ctx, store.ListResolvedCommentsByChapterParams(args))
	default:
		rows, err = s.q.ListUnresolvedCommentsByChapter(ctx, store.ListUnresolvedCommentsByChapterParams(args))
	}
	if err != nil {
		return none, fmt.Errorf("list comments: %w", err)
	}
	return pageUnderChapter(ctx, s, g, chapterID, rows, scope, pr.Limit,
		func(c store.Comment) any { return map[string]any{"t": c.CreatedAt, "id": c.ID} }, commentAuthor)
}

// GetComment returns a live comment of a live chapter.
func (s *service) GetComment(ctx context.Context, g access.Grant, chapterID, commentID uuid.UUID) (authored[store.Comment], error) {
	c, err := s.q.GetComment(ctx, store.GetCommentParams{ID: commentID, ChapterID: chapterID, ProjectID: g.ProjectID})
	if db.IsNoRows(err) {
		return authored[store.Comment]{}, s.missing(ctx, s.q, g.ProjectID, chapterID, errCommentNotFound)
	}
	if err != nil {
		return authored[store.Comment]{}, fmt.Errorf("get comment: %w", err)
	}
	return withAuthor(ctx, s, c, commentAuthor), nil
}

// CreateComment adds a comment to a live chapter, or a reply to one of its
// comments up to MaxCommentDepth levels deep.
func (s *service) CreateComment(ctx context.Context, g access.Grant, chapterID uuid.UUID, nc newComment) (authored[store.Comment], error) {
	var c store.Comment
	err := s.write(ctx, g, roles.Commenter, func(q *store.Queries, g access.Grant) error {
		// The chapter's row lock serializes comment creation per chapter, so
		// the count limit holds under concurrency.
		if _, err := lockChapter(ctx, q, g.ProjectID, chapterID, expect.Any); err != nil {
			return err
		}
		n, err := q.CountCommentsByChapter(ctx, chapterID)
		if err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		if n >= MaxCommentsPerChapter {
			return apperr.Newf(apperr.Conflict, "a chapter holds at most %d comments", MaxCommentsPerChapter)
		}
		var depth int16
		if nc.ParentID != nil {
			parent, err := q.GetComment(ctx, store.GetCommentParams{ID: *nc.ParentID, ChapterID: chapterID, ProjectID: g.ProjectID})
			if db.IsNoRows(err) {
				return apperr.Field("parent_id", "must be a comment on this chapter")
			}
			if err != nil {
				return fmt.Errorf("get parent: %w", err)
			}
			if parent.Depth >= MaxCommentDepth {
				return apperr.Field("parent_id", fmt.Sprintf("replies nest at most %d levels deep; reply to an earlier comment of the thread", MaxCommentDepth))
			}
			depth = parent.Depth + 1
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		c, err = q.CreateComment(ctx, store.CreateCommentParams{
			ID: id, ChapterID: chapterID, ProjectID: g.ProjectID, ParentID: nc.ParentID,
			AuthorID: &g.UserID, Body: nc.Body, Anchor: nc.Anchor, Depth: depth,
		})
		if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		return nil
	})
	if err != nil {
		return authored[store.Comment]{}, err
	}
	return withAuthor(ctx, s, c, commentAuthor), nil
}

// UpdateComment edits a comment at version want. Only its author may, and
// must still be a commenter or above.
func (s *service) UpdateComment(ctx context.Context, g access.Grant, chapterID, commentID uuid.UUID, want expect.Version, ch commentChange) (authored[store.Comment], error) {
	c, err := s.changeComment(ctx, g, chapterID, commentID, want, func(q *store.Queries, g access.Grant, c store.Comment) (store.Comment, error) {
		if !isAuthor(c, g.UserID) {
			return c, apperr.New(apperr.Forbidden, "only the comment's author may edit it")
		}
		body, anchor := c.Body, c.Anchor
		if ch.Body != nil {
			body = *ch.Body
		}
		if ch.AnchorSet {
			anchor = ch.Anchor
		}
		c, err := q.UpdateComment(ctx, store.UpdateCommentParams{ID: c.ID, Body: body, Anchor: anchor})
		if err != nil {
			return c, fmt.Errorf("update comment: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return authored[store.Comment]{}, err
	}
	return withAuthor(ctx, s, c, commentAuthor), nil
}

// TrashComment moves a comment at version want, with its replies, to the
// trash. Its author may, and the project's owner.
func (s *service) TrashComment(ctx context.Context, g access.Grant, chapterID, commentID uuid.UUID, want expect.Version) error {
	_, err := s.changeComment(ctx, g, chapterID, commentID, want, func(q *store.Queries, g access.Grant, c store.Comment) (store.Comment, error) {
		if !isAuthor(c, g.UserID) && g.Role != roles.Owner {
			return c, apperr.New(apperr.Forbidden, "only the comment's author or the project owner may delete it")
		}
		if err := q.TrashCommentThread(ctx, c.ID); err != nil {
			return c, fmt.Errorf("trash comment: %w", err)
		}
		return c, nil
	})
	return err
}

// SetResolved opens or closes a thread at version want; any commenter may.
// Resolving a resolved comment changes nothing.
func (s *service) SetResolved(ctx context.Context, g access.Grant, chapterID, commentID uuid.UUID, want expect.Version, resolved bool) (authored[store.Comment], error) {
	c, err := s.changeComment(ctx, g, chapterID, commentID, want, func(q *store.Queries, g access.Grant, c store.Comment) (store.Comment, error) {
		if c.Resolved == resolved {
			return c, nil
		}
		c, err := q.SetCommentResolved(ctx, store.SetCommentResolvedParams{ID: c.ID, Resolved: resolved, UserID: g.UserID})
		if err != nil {
			return c, fmt.Errorf("resolve comment: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return authored[store.Comment]{}, err
	}
	return withAuthor(ctx, s, c, commentAuthor), nil
}

// changeComment confirms the caller is still a commenter or above, locks a
// live comment of a live chapter, checks want and lets fn change it under
// the confirmed grant.
func (s *service) changeComment(ctx context.Context, g access.Grant, chapterID, commentID uuid.UUID, want expect.Version,
	fn func(q *store.Queries, g access.Grant, c store.Comment) (store.Comment, error)) (store.Comment, error) {
	var out store.Comment
	err := s.write(ctx, g, roles.Commenter, func(q *store.Queries, g access.Grant) error {
		c, err := q.GetCommentForUpdate(ctx, store.GetCommentForUpdateParams{ID: commentID, ChapterID: chapterID, ProjectID: g.ProjectID})
		if db.IsNoRows(err) {
			return s.missing(ctx, q, g.ProjectID, chapterID, errCommentNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock comment: %w", err)
		}
		if err := want.Check(c.Version); err != nil {
			return err
		}
		out, err = fn(q, g, c)
		return err
	})
	return out, err
}
