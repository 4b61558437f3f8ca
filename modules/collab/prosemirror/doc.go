// Package prosemirror understands the chapter documents TipTap edits: the
// ProseMirror JSON model of TipTap's StarterKit nodes and marks, Markdown
// rendering that matches prosemirror-markdown's defaultMarkdownSerializer,
// Markdown parsing for seeding, and the mapping to and from the Y.js
// XmlFragment y-prosemirror keeps. See README.md for the mapping, the
// verbatim markdownBlock node and the escaping rules.
//
// The package is pure Go and does not depend on the Y.Doc model: the Y.js
// side is reached through the small interfaces in ymap.go.
package prosemirror
