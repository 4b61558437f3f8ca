package projects

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/platform/apperr"
)

// ETags are "<version>", the same form every module uses, so a client can
// copy any ETag into If-Match. If-Match compares versions, so the weak form
// W/"3" is accepted too.
func etag(version int32) string { return `"` + strconv.Itoa(int(version)) + `"` }

func setETag(w http.ResponseWriter, version int32) { w.Header().Set("ETag", etag(version)) }

// precondition is what a write expects of the current version: the If-Match
// header and/or the body's version field.
type precondition struct {
	given    bool
	anyMatch bool    // If-Match: *
	tags     []int64 // If-Match versions; -1 for tags that name no version
	version  *int64  // the body's version field
}

// parseIfMatch reads the If-Match header into pre. A header that is not a
// list of entity tags (or *) is a client error; a well-formed tag that names
// no version of ours just never matches.
func parseIfMatch(r *http.Request) (precondition, error) {
	var pre precondition
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return pre, nil
	}
	pre.given = true
	for _, part := range strings.Split(strings.Join(values, ","), ",") {
		part = strings.TrimSpace(part)
		if part == "*" {
			pre.anyMatch = true
			continue
		}
		part = strings.TrimPrefix(part, "W/")
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' || strings.Contains(part[1:len(part)-1], `"`) {
			return pre, apperr.Field("If-Match", `must be * or a list of entity tags such as "3" (from the ETag header)`)
		}
		v, err := strconv.ParseInt(part[1:len(part)-1], 10, 32)
		if err != nil || v < 1 {
			v = -1
		}
		pre.tags = append(pre.tags, v)
	}
	return pre, nil
}

// withVersion adds the body's version field.
func (p precondition) withVersion(v *int64) precondition {
	if v != nil {
		p.version, p.given = v, true
	}
	return p
}

// require refuses writes that state no expectation at all: a blind
// overwrite is how one author silently loses another's change.
func (p precondition) require() error {
	if !p.given {
		return apperr.Field("version", `is required: send the version you last read, or an If-Match header with its ETag`)
	}
	return nil
}

// check answers 412 unless every stated expectation names current.
func (p precondition) check(current int32) error {
	stale := apperr.Newf(apperr.PreconditionFailed, "the project has changed since you read it (it is at version %d); reload and try again", current)
	if p.version != nil && *p.version != int64(current) {
		return stale
	}
	if len(p.tags) > 0 && !p.anyMatch {
		for _, t := range p.tags {
			if t == int64(current) {
				return nil
			}
		}
		return stale
	}
	return nil
}
