package ai

import "time"

// Limits, documented in docs/limits.md. Input over a cap is refused with
// 413 before any provider is called; a request that is wrong otherwise is
// 400. Chars count characters (Unicode code points).
const (
	// MaxOutputTokens caps every model call's output.
	MaxOutputTokens = 2000

	// MaxRewriteChars is the text of a rewrite.
	MaxRewriteChars = 20_000
	// MaxBullets and MaxBulletChars bound an expand's bullets;
	// MaxExpandChars its bullets and context together.
	MaxBullets     = 50
	MaxBulletChars = 2_000
	MaxExpandChars = 20_000
	// MaxSummarizeChars is the text of a summary, given or a chapter's.
	MaxSummarizeChars = 60_000
	// MaxBeats and MaxBeatChars bound a draft's beats; MaxDraftFieldChars
	// its topic, purpose and style.
	MaxBeats           = 20
	MaxBeatChars       = 2_000
	MaxDraftFieldChars = 2_000
	// MaxConsistencyChapters is how many chapters one check reads;
	// MaxCheckedChapterChars how much of each (the rest is not checked,
	// and the result says so).
	MaxConsistencyChapters = 30
	MaxCheckedChapterChars = 40_000
	// MaxToneChars is a rewrite's target tone.
	MaxToneChars = 100
	// MaxStyleSampleChars is the book's style sample.
	MaxStyleSampleChars = 10_000

	// maxOpRequest caps an operation's body (the text caps above are
	// checked once it is read).
	maxOpRequest = 1 << 20
)

// Defaults of the configurable limits (THEBRAIN_AI_*).
const (
	DefaultHourlyRequests = 10
	DefaultDailyTokens    = 200_000
	DefaultCacheTTL       = time.Hour
	DefaultSyncBudget     = 25 * time.Second
	DefaultStreamBudget   = 5 * time.Minute
	DefaultJobCallBudget  = 2 * time.Minute
	DefaultKeepAlive      = 15 * time.Second
)

// contextBudget is the token budget of an operation's book context (notes
// mentioned, story so far, style), on top of the passage itself.
var contextBudget = map[Operation]int{
	OpExpand:      3_000,
	OpRewrite:     2_000,
	OpSummarize:   0,
	OpDraft:       4_000,
	OpConsistency: 6_000,
}

// maxNotes is how many mentioned notes a context takes at most.
const maxNotes = 12

// estimateTokens is a conservative count of s's tokens: a quarter of its
// bytes (English runs near four characters a token; other scripts take
// more bytes per character, so the estimate stays on the high side).
func estimateTokens(s string) int { return (len(s) + 3) / 4 }
