package ai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// findingsSchema is the JSON Schema a consistency check's answer must
// match. It goes to the providers' structured-output modes (OpenAI
// response_format, Anthropic output_config) and is checked again here by
// parseFindings, whatever the provider promised: a model may still answer
// otherwise, and a compatible server may ignore the schema.
var findingsSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "issues": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "chapter_id": {"type": "string"},
          "quote": {"type": "string"},
          "conflicts_with": {"type": "string"},
          "severity": {"type": "string", "enum": ["low", "medium", "high"]},
          "explanation": {"type": "string"}
        },
        "required": ["chapter_id", "quote", "conflicts_with", "severity", "explanation"],
        "additionalProperties": false
      }
    }
  },
  "required": ["issues"],
  "additionalProperties": false
}`)

const findingsSchemaName = "consistency_findings"

// severities are the schema's severity enum.
var severities = []string{"low", "medium", "high"}

// Field caps of a finding, in characters: a model that writes essays in
// them is not following the task.
const (
	maxQuoteChars       = 1_000
	maxFindingTextChars = 2_000
	maxFindings         = 100
)

// finding is one contradiction found.
type finding struct {
	ChapterID     string `json:"chapter_id"`
	Quote         string `json:"quote"`
	ConflictsWith string `json:"conflicts_with"`
	Severity      string `json:"severity"`
	Explanation   string `json:"explanation"`
}

// parseFindings validates an answer against findingsSchema (and the
// chapter it is about) and returns its findings, or every problem found,
// worded for the repair prompt.
func parseFindings(text, chapterID string) ([]finding, error) {
	raw := strings.TrimSpace(text)
	// A model may fence its JSON despite being told not to; that alone is
	// not worth a repair.
	if strings.HasPrefix(raw, "```") {
		raw = strings.TrimPrefix(strings.TrimPrefix(raw, "```json"), "```")
		raw = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), "```"))
	}
	var doc struct {
		Issues *[]map[string]json.RawMessage `json:"issues"`
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a JSON object of the schema: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("text after the JSON object")
	}
	if doc.Issues == nil {
		return nil, errors.New(`"issues" is required`)
	}
	if len(*doc.Issues) > maxFindings {
		return nil, fmt.Errorf("at most %d issues", maxFindings)
	}
	var problems []string
	out := make([]finding, 0, len(*doc.Issues))
	for i, item := range *doc.Issues {
		var f finding
		for k, v := range item {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				problems = append(problems, fmt.Sprintf("issues[%d].%s must be a string", i, k))
				continue
			}
			switch k {
			case "chapter_id":
				f.ChapterID = s
			case "quote":
				f.Quote = s
			case "conflicts_with":
				f.ConflictsWith = s
			case "severity":
				f.Severity = s
			case "explanation":
				f.Explanation = s
			default:
				problems = append(problems, fmt.Sprintf("issues[%d] has an unknown field %q", i, k))
			}
		}
		for _, k := range []string{"chapter_id", "quote", "conflicts_with", "severity", "explanation"} {
			if _, ok := item[k]; !ok {
				problems = append(problems, fmt.Sprintf("issues[%d].%s is required", i, k))
			}
		}
		if f.ChapterID != "" && f.ChapterID != chapterID {
			problems = append(problems, fmt.Sprintf("issues[%d].chapter_id must be %s", i, chapterID))
		}
		if f.Severity != "" && !slices.Contains(severities, f.Severity) {
			problems = append(problems, fmt.Sprintf("issues[%d].severity must be low, medium or high", i))
		}
		if _, ok := item["quote"]; ok && strings.TrimSpace(f.Quote) == "" {
			problems = append(problems, fmt.Sprintf("issues[%d].quote must not be empty", i))
		}
		if utf8.RuneCountInString(f.Quote) > maxQuoteChars || utf8.RuneCountInString(f.ConflictsWith) > maxFindingTextChars ||
			utf8.RuneCountInString(f.Explanation) > maxFindingTextChars {
			problems = append(problems, fmt.Sprintf("issues[%d] is too long", i))
		}
		out = append(out, f)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// compactSchema is findingsSchema without its indentation (what is sent).
func compactSchema() json.RawMessage {
	var b bytes.Buffer
	_ = json.Compact(&b, findingsSchema)
	return b.Bytes()
}
