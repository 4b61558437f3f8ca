package projects

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
)

// optional is a JSON merge-patch field: absent (Set false), null (Null
// true) or a value. encoding/json calls UnmarshalJSON only when the key is
// present, null included.
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

func present[T any](o optional[T]) *T {
	if !o.Set || o.Null {
		return nil
	}
	return &o.Value
}

// createProjectRequest is the body of POST /projects.
type createProjectRequest struct {
	Title           *string `json:"title"`
	Description     *string `json:"description"`
	Genre           *string `json:"genre"`
	TargetWordCount *int64  `json:"target_word_count"`
}

func (req *createProjectRequest) Validate() error {
	p := map[string]string{}
	checkFields(p, true, req.Title, req.Description, req.Genre, req.TargetWordCount)
	return apperr.Validation(p)
}

func (req *createProjectRequest) fields() projectFields {
	return toFields(req.Title, req.Description, req.Genre, req.TargetWordCount)
}

// replaceProjectRequest is the body of PUT /projects/{id}: every editable
// field, absent or null meaning empty, plus the version being replaced
// (or an If-Match header).
type replaceProjectRequest struct {
	Title           *string `json:"title"`
	Description     *string `json:"description"`
	Genre           *string `json:"genre"`
	TargetWordCount *int64  `json:"target_word_count"`
	Version         *int64  `json:"version"`
}

func (req *replaceProjectRequest) Validate() error {
	p := map[string]string{}
	checkFields(p, true, req.Title, req.Description, req.Genre, req.TargetWordCount)
	if req.Version != nil && *req.Version < 1 {
		p["version"] = "must be a positive integer"
	}
	return apperr.Validation(p)
}

// change replaces every editable field.
func (req *replaceProjectRequest) change() projectChange {
	f := toFields(req.Title, req.Description, req.Genre, req.TargetWordCount)
	return projectChange{Title: &f.Title, Description: &f.Description, Genre: &f.Genre, SetTarget: true, TargetWordCount: f.TargetWordCount}
}

// patchProjectRequest is the body of PATCH /projects/{id} with JSON merge
// patch semantics: an absent field is kept, null clears it (description and
// genre become empty, target_word_count null); title cannot be cleared.
type patchProjectRequest struct {
	Title           optional[string] `json:"title"`
	Description     optional[string] `json:"description"`
	Genre           optional[string] `json:"genre"`
	TargetWordCount optional[int64]  `json:"target_word_count"`
	Version         optional[int64]  `json:"version"`
}

func (req *patchProjectRequest) Validate() error {
	p := map[string]string{}
	if req.Title.Set && req.Title.Null {
		p["title"] = "cannot be null: a project always has a title"
	}
	if req.Version.Set && (req.Version.Null || req.Version.Value < 1) {
		p["version"] = "must be a positive integer"
	}
	checkFields(p, false, present(req.Title), present(req.Description), present(req.Genre), present(req.TargetWordCount))
	if !req.Title.Set && !req.Description.Set && !req.Genre.Set && !req.TargetWordCount.Set && len(p) == 0 {
		return apperr.New(apperr.Invalid, "the patch changes nothing: send at least one of title, description, genre, target_word_count")
	}
	return apperr.Validation(p)
}

// change is the merge patch as a change of the current fields.
func (req *patchProjectRequest) change() projectChange {
	var c projectChange
	if t := present(req.Title); t != nil {
		s := strings.TrimSpace(*t)
		c.Title = &s
	}
	if req.Description.Set {
		c.Description = &req.Description.Value // "" when null
	}
	if req.Genre.Set {
		s := strings.TrimSpace(req.Genre.Value) // "" when null
		c.Genre = &s
	}
	if req.TargetWordCount.Set {
		c.SetTarget = true
		if v := present(req.TargetWordCount); v != nil {
			n := int32(*v)
			c.TargetWordCount = &n
		}
	}
	return c
}

// checkFields validates whichever editable fields are given; a missing title
// is a problem only when requireTitle is set (create and replace).
func checkFields(p map[string]string, requireTitle bool, title, description, genre *string, target *int64) {
	switch {
	case title != nil:
		if msg := checkLine(strings.TrimSpace(*title), MaxTitleLen, true); msg != "" {
			p["title"] = msg
		}
	case requireTitle:
		p["title"] = "is required"
	}
	if description != nil {
		switch {
		case strings.ContainsRune(*description, 0):
			p["description"] = "must not contain NUL characters"
		case utf8.RuneCountInString(*description) > MaxDescriptionLen:
			p["description"] = "must be at most " + strconv.Itoa(MaxDescriptionLen) + " characters"
		}
	}
	if genre != nil {
		if msg := checkLine(strings.TrimSpace(*genre), MaxGenreLen, false); msg != "" {
			p["genre"] = msg
		}
	}
	if target != nil && (*target < 1 || *target > MaxTargetWordCount) {
		p["target_word_count"] = "must be from 1 to " + strconv.Itoa(MaxTargetWordCount)
	}
}

// checkLine validates single-line text: no control characters (which also
// keeps NUL, which PostgreSQL text cannot hold, out) and a length cap.
func checkLine(s string, max int, required bool) string {
	switch {
	case required && s == "":
		return "must not be empty"
	case utf8.RuneCountInString(s) > max:
		return "must be at most " + strconv.Itoa(max) + " characters"
	case strings.ContainsFunc(s, unicode.IsControl):
		return "must not contain control characters such as line breaks"
	}
	return ""
}

func toFields(title, description, genre *string, target *int64) projectFields {
	f := projectFields{}
	if title != nil {
		f.Title = strings.TrimSpace(*title)
	}
	if description != nil {
		f.Description = *description
	}
	if genre != nil {
		f.Genre = strings.TrimSpace(*genre)
	}
	if target != nil {
		v := int32(*target)
		f.TargetWordCount = &v
	}
	return f
}

// projectResponse is the Project JSON of docs/shared api.md.
type projectResponse struct {
	ID              uuid.UUID `json:"id"`
	Title           string    `json:"title"`
	Description     string    `json:"description"`
	Genre           string    `json:"genre"`
	TargetWordCount *int32    `json:"target_word_count"`
	WordCount       int64     `json:"word_count"`
	Role            string    `json:"role"`
	Version         int32     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toProjectResponse(b book) projectResponse {
	return projectResponse{
		ID: b.ID, Title: b.Title, Description: b.Description, Genre: b.Genre,
		TargetWordCount: b.TargetWordCount, WordCount: b.Words, Role: string(b.Role), Version: b.Version,
		CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
	}
}

// trashedProjectResponse is a project in GET /trash.
type trashedProjectResponse struct {
	projectResponse
	DeletedAt time.Time `json:"deleted_at"`
	// PurgeAfter is when the project stops being restorable.
	PurgeAfter time.Time `json:"purge_after"`
}

// toTrashedProjectResponse maps a book of the trash (DeletedAt set).
func toTrashedProjectResponse(b book) trashedProjectResponse {
	deleted := b.DeletedAt.UTC()
	return trashedProjectResponse{projectResponse: toProjectResponse(b), DeletedAt: deleted, PurgeAfter: deleted.Add(TrashRetention)}
}
