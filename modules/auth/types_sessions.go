package auth

import (
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/auth/internal/store"
)

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type sessionResponse struct {
	ID                uuid.UUID `json:"id"`
	Current           bool      `json:"current"`
	UserAgent         string    `json:"user_agent"`
	IPPrefix          string    `json:"ip_prefix"`
	CreatedAt         time.Time `json:"created_at"`
	LastRefreshedAt   time.Time `json:"last_refreshed_at"`
	IdleExpiresAt     time.Time `json:"idle_expires_at"`
	AbsoluteExpiresAt time.Time `json:"absolute_expires_at"`
}

// toSessionResponse shows s to the caller signed in with session current.
func toSessionResponse(current uuid.UUID) func(s store.Session) sessionResponse {
	return func(s store.Session) sessionResponse {
		return sessionResponse{
			ID: s.ID, Current: s.ID == current, UserAgent: s.UserAgent, IPPrefix: s.IpPrefix,
			CreatedAt: s.CreatedAt.UTC(), LastRefreshedAt: s.LastRefreshedAt.UTC(),
			IdleExpiresAt: s.IdleExpiresAt.UTC(), AbsoluteExpiresAt: s.AbsoluteExpiresAt.UTC(),
		}
	}
}
