package collab

import "github.com/coder/websocket"

// Close codes. y-websocket 3.1 stops reconnecting on 4400-4499 (the server
// decided; retrying cannot help) and reconnects, with backoff, on every
// other code. So refusals a client cannot fix by retrying use 44xx, and
// everything transient (an expired token, a restart, an overload) uses a
// code outside that range. Reasons are fixed texts: they never carry a
// token, an id or a backend error.
const (
	// closeTokenExpired ends a socket whose access token ran out: the client
	// reconnects with a fresh one (y-websocket re-reads provider.params).
	closeTokenExpired websocket.StatusCode = 4001
	// closeMalformed: a frame that is not a y-websocket message (an unknown
	// type, a truncated or invalid payload, an update that does not
	// decode). Retrying would send it again.
	closeMalformed websocket.StatusCode = 4400
	// closeUnauthenticated: no token, a bad or expired one at connect, a
	// ticket for another chapter, or a session revoked while open.
	closeUnauthenticated websocket.StatusCode = 4401
	// closeForbidden: the user's access to the book was removed while the
	// socket was open.
	closeForbidden websocket.StatusCode = 4403
	// closeNotFound: no such chapter, a chapter in the trash, or a book
	// the user cannot see (never told apart, as on the REST API).
	closeNotFound websocket.StatusCode = 4404
	// closeTooLarge: a message over MaxMessageBytes, or an update that
	// would grow the document past MaxDocumentBytes.
	closeTooLarge websocket.StatusCode = 4413
	// closeRateLimited: more messages than the per-connection bucket allows.
	closeRateLimited websocket.StatusCode = 4429
	// closeGoingAway: the instance is shutting down; reconnect (to another).
	closeGoingAway = websocket.StatusGoingAway // 1001
	// closeUnsupported: a text frame (y-websocket sends binary only).
	closeUnsupported = websocket.StatusUnsupportedData // 1003
	// closeInternal: the document could not be loaded.
	closeInternal = websocket.StatusInternalError // 1011
	// closeTryLater: overload or a backend fault: too many sockets on the
	// chapter or for the user, a client too slow to keep up, Redis
	// unavailable. The client reconnects with backoff and resyncs.
	closeTryLater = websocket.StatusTryAgainLater // 1013
)
