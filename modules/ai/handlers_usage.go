package ai

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
)

// handleUsage handles GET /api/v1/ai/usage: the caller's own usage and
// what remains of their allowance. It answers without a provider too.
func (m *Module) handleUsage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := m.svc.Usage(ctx, authn.UserID(ctx))
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, toUsageAnswer(u))
}
