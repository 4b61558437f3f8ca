package auth

import "time"

// Input limits (docs/auth.md, "Accounts and passwords"). Each is enforced
// with a 400 naming the field; Chars counts characters (Unicode code
// points).
const (
	// maxEmailChars is RFC 5321's practical limit on a forward path.
	maxEmailChars    = 254
	maxFullNameChars = 200
	// Password length (NIST 800-63B, ASVS v4 2.1.1/2.1.2). No composition
	// rules.
	minPasswordChars = 12
	maxPasswordChars = 128
	// maxUserAgentChars is how much of a User-Agent the sessions list and
	// the audit trail keep.
	maxUserAgentChars = 512
	// maxBody caps every auth request body before anything is hashed.
	maxBody = 16 << 10
)

// Session lifetimes (ASVS 7.1.1: documented in docs/auth.md).
const (
	sessionAbsolute = 30 * 24 * time.Hour
	sessionIdle     = 7 * 24 * time.Hour
	// refreshGrace is how long the immediate parent of a refresh token may
	// be replayed and get the same answer (a second tab refreshing at once).
	refreshGrace = 10 * time.Second
)

// Brute-force limits: their defaults (Options overrides the first three).
const (
	defaultIPRatePerMinute = 30
	defaultIPBurst         = 10
	defaultFreeFailures    = 5
	// The account lock after the free failures starts at firstLock and
	// doubles with each further failure, up to maxLock.
	firstLock = time.Second
	maxLock   = 15 * time.Minute
)

// verifiedTokenCache is how many verified access tokens the verifier
// remembers (about 0.5 KiB each) so a signature is checked once per token,
// not once per request.
const verifiedTokenCache = 20000
