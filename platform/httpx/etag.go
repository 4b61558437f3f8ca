package httpx

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/platform/apperr"
)

// Optimistic concurrency: every mutable resource has a version, sent as the
// strong entity tag "<version>" so any ETag can be copied into If-Match. A
// write names the version it changes in If-Match, in the body's version
// field, or both; a stale one answers 412 and changes nothing.

// ETag is the entity tag of a resource at version v.
func ETag(v int32) string { return `"` + strconv.Itoa(int(v)) + `"` }

// SetETag sets the ETag header for a resource at version v.
func SetETag(w http.ResponseWriter, v int32) { w.Header().Set("ETag", ETag(v)) }

// Precondition is what a write expects of the current version.
type Precondition struct {
	anyMatch bool    // If-Match: *
	tags     []int64 // If-Match versions; -1 for a tag that names no version
	version  *int64  // the body's version field
}

// ParsePrecondition reads If-Match (a list of entity tags, weak ones too
// since they compare versions, or *) and the body's version field. A header
// that is not a list of entity tags is a client error; a well-formed tag
// that names no version simply never matches.
func ParsePrecondition[T int32 | int64](r *http.Request, bodyVersion *T) (Precondition, error) {
	var p Precondition
	if bodyVersion != nil {
		v := int64(*bodyVersion)
		p.version = &v
	}
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return p, nil
	}
	for _, part := range strings.Split(strings.Join(values, ","), ",") {
		part = strings.TrimSpace(part)
		if part == "*" {
			p.anyMatch = true
			continue
		}
		part = strings.TrimPrefix(part, "W/")
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' || strings.Contains(part[1:len(part)-1], `"`) {
			return p, apperr.Field("If-Match", `must be * or entity tags such as "3" (from the ETag header)`)
		}
		v, err := strconv.ParseInt(part[1:len(part)-1], 10, 32)
		if err != nil || v < 1 {
			v = -1
		}
		p.tags = append(p.tags, v)
	}
	return p, nil
}

// Require refuses writes that state no expectation at all: a blind
// overwrite is how one author silently loses another's change.
func (p Precondition) Require() error {
	// A parsed If-Match always holds * or at least one tag.
	if p.version == nil && !p.anyMatch && len(p.tags) == 0 {
		return apperr.Field("version", "is required: send the version you last read, or an If-Match header with its ETag")
	}
	return nil
}

// Check answers 412 unless every stated expectation names current; for a
// read-check-write under a row lock.
func (p Precondition) Check(current int32) error {
	if p.version != nil && *p.version != int64(current) {
		return apperr.ErrStale
	}
	if len(p.tags) > 0 && !p.anyMatch && !p.listed(int64(current)) {
		return apperr.ErrStale
	}
	return nil
}

// Version returns the one version the write may change, for a
// compare-and-set in SQL (UPDATE … WHERE version = $want); 0 means any
// version (If-Match: * alone, or no expectation). A list of several tags
// cannot be one compare-and-set unless the body picks one of them.
func (p Precondition) Version() (int32, error) {
	switch {
	case p.version != nil:
		if len(p.tags) > 0 && !p.anyMatch && !p.listed(*p.version) {
			return 0, apperr.ErrStale // header and body disagree: both can't be current
		}
		return int32(*p.version), nil
	case len(p.tags) == 0 || p.anyMatch:
		return 0, nil
	case len(p.tags) > 1:
		return 0, apperr.Field("If-Match", "name the one version you are changing")
	case p.tags[0] < 1:
		return 0, apperr.ErrStale
	}
	return int32(p.tags[0]), nil
}

func (p Precondition) listed(v int64) bool {
	for _, t := range p.tags {
		if t == v {
			return true
		}
	}
	return false
}

// RequireVersion is the version a write must name (If-Match or body) for a
// compare-and-set; 0 means the client sent If-Match: *.
func RequireVersion[T int32 | int64](r *http.Request, bodyVersion *T) (int32, error) {
	p, err := ParsePrecondition(r, bodyVersion)
	if err != nil {
		return 0, err
	}
	if err := p.Require(); err != nil {
		return 0, err
	}
	return p.Version()
}

// OptionalVersion is the If-Match version of a write that may omit it (a
// delete); 0 means no expectation.
func OptionalVersion(r *http.Request) (int32, error) {
	p, err := ParsePrecondition[int32](r, nil)
	if err != nil {
		return 0, err
	}
	return p.Version()
}
