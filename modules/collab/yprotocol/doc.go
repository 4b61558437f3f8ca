// Package yprotocol reads and writes the messages of the y-websocket
// protocol, the framing that y-websocket clients and servers exchange over
// a WebSocket. It only handles the envelope; the Yjs updates and state
// vectors it carries are decoded by package yjs.
//
// # Framing
//
// One binary WebSocket frame holds exactly one message. A message starts
// with its type as a lib0 varUint (little-endian base 128, seven bits per
// byte, high bit set on every byte but the last), followed by a body that
// depends on the type:
//
//	0 sync            varUint(sub-type) then varUint8Array(payload)
//	                  sub-type 0, sync step 1: payload is a state vector;
//	                              the receiver answers with step 2
//	                  sub-type 1, sync step 2: payload is the update the
//	                              sender computed for the receiver
//	                  sub-type 2, update: payload is a new update
//	1 awareness       varUint8Array(awareness update, see below)
//	2 auth            varUint(0 = permission denied) then varString(reason)
//	3 query awareness no body; the receiver replies with every awareness
//	                  state it knows
//
// A varUint8Array is a varUint length followed by that many bytes; a
// varString is a varUint8Array of UTF-8 text. Nothing in a message names
// the document: the connection (its URL) decides it. Yjs payloads are in
// update format V1, which is what y-websocket sends.
//
// # Awareness updates
//
// An awareness update is a varUint count followed, per entry, by the
// client ID (varUint), the entry's clock (varUint) and the client's state
// as a varString of JSON text. The JSON text "null" announces that the
// client left. Peers keep an entry only if its clock is newer than the one
// they hold, or equal when the entry removes a state.
//
// This package rejects anything it does not fully understand: unknown
// types, trailing bytes after a message, invalid UTF-8 or JSON, and sizes
// or counts beyond its Limits.
package yprotocol
