package provider

import (
	"net"
	"net/http"
	"time"
)

// NewHTTPClient is the client the adapters use: no overall timeout (a
// stream lasts as long as its context allows; the Chain bounds every
// attempt), but bounded dials and TLS handshakes so a dead host fails fast
// and counts as a connect error.
func NewHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t}
}
