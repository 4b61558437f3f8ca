package collab

import (
	"net/http"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
	"github.com/thebrain/thebrain/platform/httpx"
)

// handleCreateTicket handles POST
// /projects/{project_id}/chapters/{chapter_id}/collab-ticket.
func (m *Module) handleCreateTicket(w http.ResponseWriter, r *http.Request) error {
	chapterID, err := httpx.PathUUID(r, "chapter_id")
	if err != nil {
		return err
	}
	p, _ := authn.PrincipalFrom(r.Context())
	token, _, _ := authn.BearerToken(r) // authn.Require passed: it is there and verified
	t, exp, err := m.svc.mintTicket(r.Context(), access.GrantFrom(r.Context()), p, token, chapterID)
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, ticketResponse{Ticket: t, ExpiresAt: exp.UTC()})
}
