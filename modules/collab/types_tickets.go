package collab

import "time"

// ticketResponse is the answer of POST …/collab-ticket.
type ticketResponse struct {
	// Ticket goes in the socket URL as ?token=.
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}
