// Package material holds the plain values in which modules hand each other
// a book's own material: the text of chapters and research notes. A module
// declares the interface it needs (the AI module's Chapters and Notes), the
// owner implements it in its exports.go, and both speak these types, so
// neither imports the other.
package material

import "github.com/google/uuid"

// Chapter is a live chapter with its text (Markdown).
type Chapter struct {
	ID       uuid.UUID
	Title    string
	Position int32
	Version  int32
	Content  string
}

// ChapterRef is a live chapter's place in its book, without its text.
type ChapterRef struct {
	ID       uuid.UUID
	Title    string
	Position int32
	Version  int32
}

// Note is a live research note.
type Note struct {
	ID    uuid.UUID
	Title string
	Tags  []string
	Body  string
}
