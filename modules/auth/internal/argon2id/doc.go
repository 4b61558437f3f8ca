// Package argon2id is a sequential, pausable Argon2id (RFC 9106, version
// 0x13) whose output is byte-identical to golang.org/x/crypto/argon2.IDKey.
//
// It exists for the login path. x/crypto allocates a fresh work area for every
// hash (19 MiB with the OWASP parameters, which churns the GC) and runs the
// whole hash as one uninterruptible CPU burst of tens of milliseconds. On small
// machines such a burst makes unrelated requests queue behind it. This package
// instead
//
//   - keeps its work area in a [Memory] that is reused from hash to hash, and
//   - calls a caller-supplied pace hook every [blocksPerPace] blocks, so the
//     caller can yield or sleep between short bursts, or abandon the hash when
//     the request is cancelled.
//
// What it deliberately does not do:
//
//   - No secret key (K) or associated data (X): both are always empty, as in
//     IDKey.
//   - Only Argon2id; the Argon2d and Argon2i variants are not exported.
//   - No parallelism: lanes are filled one after another on the calling
//     goroutine. The result is the same as a parallel fill because segments of
//     the same slice never read each other's blocks.
//   - No upper bounds on the cost parameters; callers decide what they accept.
//
// Reference: https://www.rfc-editor.org/rfc/rfc9106.html
package argon2id
