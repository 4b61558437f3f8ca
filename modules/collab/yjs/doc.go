// Package yjs reads, merges and diffs Yjs document updates in update format
// V1 without building a document, so the collaboration server can store,
// fold and serve updates without running JavaScript. Its output is meant to
// be byte-identical to yjs 13.6 (mergeUpdates, diffUpdate and
// encodeStateVectorFromUpdate); a differential test against the real
// library checks that.
//
// # Update format V1
//
// Everything is built from lib0 primitives: varUint (base 128, least
// significant group first, high bit meaning "more follows"), varString (a
// varUint byte length, then UTF-8) and lib0 Any values (a tag byte, then a
// payload; used for map values and array elements). An update is:
//
//	update  = varUint(group count) group* deleteSet
//	group   = varUint(struct count) varUint(client) varUint(first clock) struct*
//
// Every client numbers the units it creates with a clock that starts at 0.
// Structs of a group are contiguous: each starts where the previous one
// ended, so only the first clock is written. Yjs writes groups in
// descending client order.
//
// # Structs
//
// The first byte of a struct is its "info". Its low five bits give the
// kind: 0 is a GC (a deleted range whose content was dropped; only its
// length follows), 10 is a Skip (a hole: nothing is known about that clock
// range, only its length follows), and 1 to 9 is an Item with that content
// type. For an Item the high bits say what follows before the content:
// 0x80 an origin ID (the unit it was inserted after), 0x40 a right origin
// (the unit it was inserted before), and when neither is present the parent
// (a root type name, or the ID of the Item that created the parent type)
// and, if 0x20 is set, the map key. An ID is varUint(client) varUint(clock).
//
// Content types, with their length in clock units: deleted (a count),
// JSON (legacy; n JSON texts), binary (1), string (UTF-16 code units, as
// JavaScript counts them), embed (1, JSON), format (1, key and JSON value),
// type (1; the shared type kind, plus the node name of an XML element or
// hook), any (n lib0 Any values) and doc (1, a sub-document guid and
// options).
//
// Yjs parses JSON and Any content and writes it back from the parsed
// values, so two encodings of the same value come out the same way. This
// package copies content bytes verbatim when they already are in that form
// and rewrites them otherwise, following JavaScript's rules for numbers,
// object key order and string escapes.
//
// # Delete sets
//
// After the structs comes the delete set: per client, a list of (clock,
// length) ranges of deleted units. Merging concatenates the lists, sorts
// them by clock and joins ranges that overlap or touch. Delete sets are
// never diffed: a diff carries the whole delete set of its input.
//
// # Merging
//
// MergeUpdates walks all inputs at once, always taking the struct with the
// highest client and, within a client, the lowest clock. Whatever an
// earlier input already covered is cut off (a struct is split at a clock
// offset; the right part gets the unit before it as its origin), a gap
// between structs of one client becomes a Skip, and adjacent GCs are
// joined. Splitting text can fall inside a surrogate pair; like Yjs, both
// halves then become U+FFFD. The result is the union of the inputs; no
// garbage collection happens, deleted text stays in the Items.
//
// Yjs re-sorts its inputs with Array.prototype.sort before every step. This
// package keeps them in a heap with a tie-breaker that reproduces the
// stable order, and replays V8's TimSort for the rare steps where Yjs's
// comparator is inconsistent (a GC and an Item at the same position), so
// that even then the output matches.
//
// # Safety
//
// All input is untrusted. Every count and length is checked against the
// remaining bytes before use, varUints longer than 8 bytes or above 2^53-1
// are rejected, and Limits caps the update size, the number of structs and
// delete ranges, and the nesting depth of Any and JSON values. Malformed
// input returns an error wrapping ErrMalformed (ErrUpdateV2 for updates in
// format V2, which is not supported); inputs over a limit return ErrLimit.
// Unlike Yjs, trailing bytes after an update or state vector are rejected.
package yjs
