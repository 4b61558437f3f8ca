package auth

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/apperr"
)

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	FullName string `json:"full_name"`

	// Filled in by Validate.
	typed, canonical string
}

func (req *signupRequest) Validate() error {
	p := map[string]string{}
	var problem string
	req.typed, req.canonical, problem = canonicalEmail(req.Email)
	if problem != "" {
		p["email"] = problem
	}
	if req.Password == "" {
		p["password"] = "must not be empty"
	}
	req.FullName = strings.TrimSpace(req.FullName)
	switch {
	case utf8.RuneCountInString(req.FullName) > maxFullNameChars:
		p["full_name"] = "must be at most 200 characters"
	case hasControl(req.FullName) || strings.IndexFunc(req.FullName, invisible) >= 0:
		p["full_name"] = "must not contain control or invisible characters"
	}
	return apperr.Validation(p)
}

// account is the validated signup.
func (req *signupRequest) account() newAccount {
	return newAccount{Email: req.typed, Canonical: req.canonical, Password: req.Password, FullName: req.FullName}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Validate checks only the shape: anything well-formed goes on to the same
// "invalid credentials" answer, whether or not the account exists.
func (req *loginRequest) Validate() error {
	p := map[string]string{}
	switch {
	case strings.TrimSpace(req.Email) == "":
		p["email"] = "must not be empty"
	case utf8.RuneCountInString(req.Email) > maxEmailChars:
		p["email"] = "must be at most 254 characters"
	}
	switch {
	case req.Password == "":
		p["password"] = "must not be empty"
	case utf8.RuneCountInString(req.Password) > maxPasswordChars:
		p["password"] = "must be at most 128 characters"
	}
	return apperr.Validation(p)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (req *changePasswordRequest) Validate() error {
	p := map[string]string{}
	switch {
	case req.CurrentPassword == "":
		p["current_password"] = "must not be empty"
	case utf8.RuneCountInString(req.CurrentPassword) > maxPasswordChars:
		p["current_password"] = "must be at most 128 characters"
	}
	if req.NewPassword == "" {
		p["new_password"] = "must not be empty"
	}
	return apperr.Validation(p)
}

// tokenResponse is the answer of signup, login and refresh. Browsers get it
// without RefreshToken (see writeTokens).
type tokenResponse struct {
	AccessToken  string       `json:"access_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	RefreshToken string       `json:"refresh_token,omitempty"`
	User         userResponse `json:"user"`
}

func toTokenResponse(si signedIn) tokenResponse {
	return tokenResponse{
		AccessToken: si.AccessToken, TokenType: "Bearer", ExpiresIn: int(si.AccessLifetime.Seconds()),
		RefreshToken: si.RefreshToken, User: toUserResponse(si.Account),
	}
}

type userResponse struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	FullName  string    `json:"full_name"`
	CreatedAt time.Time `json:"created_at"`
}

func toUserResponse(a account) userResponse {
	return userResponse{ID: a.ID, Email: a.Email, FullName: a.FullName, CreatedAt: a.CreatedAt.UTC()}
}
