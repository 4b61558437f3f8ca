package ai

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// styleRequest is the body of PUT /api/v1/projects/{project_id}/ai/style.
type styleRequest struct {
	Sample  *string `json:"sample"`
	Version *int32  `json:"version"`
}

func (r *styleRequest) Validate() error {
	c := newChecks()
	if r.Sample == nil {
		c.invalid["sample"] = `required ("" clears it)`
	} else {
		s := strings.TrimSpace(*r.Sample)
		r.Sample = &s
		c.text("sample", s, false, MaxStyleSampleChars)
	}
	if r.Version != nil && *r.Version < 0 {
		c.invalid["version"] = "must be 0 (none yet) or more"
	}
	return c.err()
}

type styleResponse struct {
	ProjectID uuid.UUID  `json:"project_id"`
	Sample    string     `json:"sample"`
	Version   int32      `json:"version"`
	UpdatedAt *time.Time `json:"updated_at"`
}

func toStyleResponse(projectID uuid.UUID, s styleSample) styleResponse {
	r := styleResponse{ProjectID: projectID, Sample: s.Sample, Version: s.Version}
	if s.UpdatedAt != nil {
		t := s.UpdatedAt.UTC()
		r.UpdatedAt = &t
	}
	return r
}
