package httpx

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/expect"
)

// Optimistic concurrency: every mutable resource has a version, sent as the
// strong entity tag "<version>" so any ETag can be copied into If-Match. A
// write names the version it changes in If-Match, in the body's version
// field, or both; a stale one answers 412 and changes nothing. Handlers turn
// the request into an expect.Version, which the service checks against the
// row it has locked.

// ETag is the entity tag of a resource at version v.
func ETag(v int32) string { return `"` + strconv.Itoa(int(v)) + `"` }

// SetETag sets the ETag header for a resource at version v.
func SetETag(w http.ResponseWriter, v int32) { w.Header().Set("ETag", ETag(v)) }

// RequireVersion is the expectation of a write that must state one: If-Match
// (a list of entity tags, weak ones too since they compare versions, or *),
// the body's version field, or both, which must then agree. A write that
// states none is refused: a blind overwrite is how one author silently loses
// another's change.
func RequireVersion[T int32 | int64](r *http.Request, bodyVersion *T) (expect.Version, error) {
	header, present, err := ifMatch(r)
	if err != nil {
		return expect.Never, err
	}
	if bodyVersion == nil {
		if !present {
			return expect.Never, apperr.Field("version", "is required: send the version you last read, or an If-Match header with its ETag")
		}
		return header, nil
	}
	body := expect.Never
	if v := int64(*bodyVersion); v >= 1 && v <= math.MaxInt32 {
		body = expect.Exactly(int32(v))
	}
	return header.And(body), nil
}

// OptionalVersion is the If-Match expectation of a write that may omit it (a
// delete, a restore); without the header any version passes.
func OptionalVersion(r *http.Request) (expect.Version, error) {
	e, _, err := ifMatch(r)
	return e, err
}

// ifMatch parses If-Match. A header that is not a list of entity tags is a
// client error; a well-formed tag that names no version simply never
// matches.
func ifMatch(r *http.Request) (e expect.Version, present bool, err error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return expect.Any, false, nil
	}
	star := false
	var tags []int32
	for _, part := range strings.Split(strings.Join(values, ","), ",") {
		part = strings.TrimSpace(part)
		if part == "*" {
			star = true
			continue
		}
		part = strings.TrimPrefix(part, "W/")
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' || strings.Contains(part[1:len(part)-1], `"`) {
			return expect.Never, true, apperr.Field("If-Match", `must be * or entity tags such as "3" (from the ETag header)`)
		}
		if v, err := strconv.ParseInt(part[1:len(part)-1], 10, 32); err == nil && v >= 1 {
			tags = append(tags, int32(v))
		}
	}
	if star {
		return expect.Any, true, nil
	}
	return expect.OneOf(tags...), true, nil
}
