package jobs

// Limits of jobs (docs/jobs.md, docs/limits.md).
const (
	// MaxPayloadBytes caps a job's payload (JSON). Payloads name what to
	// work on; the work reads the text itself.
	MaxPayloadBytes = 256 << 10
	// InlineResultBytes is the largest result stored as it is; a larger one
	// is stored gzip-compressed.
	InlineResultBytes = 32 << 10
	// MaxResultBytes caps a result (JSON, before compression); a handler
	// returning more fails its job.
	MaxResultBytes = 4 << 20
	// MaxUniqueKey caps a unique key's length (bytes).
	MaxUniqueKey = 200
	// MaxErrorChars caps the error text kept with a job.
	MaxErrorChars = 2000
	// MaxProgressMessage caps a progress message (characters).
	MaxProgressMessage = 500
	// FinishedRetention is how long a finished job stays readable.
	FinishedRetentionDays = 30
)
