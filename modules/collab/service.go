package collab

import (
	"time"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/authn"
)

// service holds the access rules of the collaboration server: who may
// open a document socket, with which rights, and whether an open socket may
// stay open; and the tickets that open sockets without putting an access
// token in a URL.
type service struct {
	verifier authn.Verifier
	guard    *access.Guard
	chapters ChapterLookup
	tickets  *ticketSealer
	now      func() time.Time
}

func newService(d Deps, tickets *ticketSealer) *service {
	return &service{verifier: d.Verifier, guard: d.Guard, chapters: d.Chapters, tickets: tickets, now: time.Now}
}
