package chapters

import "time"

// Limits, documented in docs/limits.md. Each is enforced with a clear 4xx.
// Names say their unit: Chars counts characters (Unicode code points),
// Bytes counts bytes; the Max* without a unit are counts.
const (
	// MaxChapterTitle is in characters.
	MaxChapterTitle = 200
	// MaxChapterContent is the Markdown content's size in bytes.
	MaxChapterContent = 2 << 20
	// MaxContentPage caps ?limit= of a chapter list with ?include=content.
	MaxContentPage = 20
	// MaxChaptersPerProject counts live chapters; the trash does not count.
	MaxChaptersPerProject = 1000
	// MaxVersionLabel is in characters.
	MaxVersionLabel = 200
	// MaxCommentChars is the length of a comment's text.
	MaxCommentChars = 10000
	// MaxCommentAnchor is the anchor object's size in bytes as sent.
	MaxCommentAnchor = 4 << 10
	// MaxCommentDepth is how deep replies nest: a top-level comment has
	// depth 0, a reply to it 1, and so on up to this value.
	MaxCommentDepth = 5
	// MaxCommentsPerChapter counts live comments.
	MaxCommentsPerChapter = 5000
)

// Request body caps, per route; the server-wide THEBRAIN_MAX_BODY_BYTES
// applies first.
const (
	// maxChapterRequestBytes caps a chapter request body: the content, JSON
	// escaping (up to 6 bytes per control character is not worth allowing)
	// and the other fields. Content over MaxChapterContent is refused after
	// decoding.
	maxChapterRequestBytes = MaxChapterContent + MaxChapterContent/2 + 64<<10
	// maxReorderRequestBytes caps a reorder body (a list of chapter ids).
	maxReorderRequestBytes = 64 << 10
	// maxVersionRequestBytes caps the optional body of a new version (its
	// label).
	maxVersionRequestBytes = 4 << 10
	// maxCommentRequestBytes caps a comment request body: the text, the
	// anchor and the other fields. Text over MaxCommentChars is refused
	// after decoding.
	maxCommentRequestBytes = 64 << 10
)

// SnapshotInterval is how long after the previous version a content change
// records a new one. Edits closer together fold into the next snapshot, so a
// typing session does not create hundreds of versions.
const SnapshotInterval = 5 * time.Minute
