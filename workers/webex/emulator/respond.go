package emulator

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

const (
	trackingHeader = "TrackingID"
	// maxBodyBytes bounds a request body.
	maxBodyBytes = 1 << 20
)

// errorBody is Webex's error body.
type errorBody struct {
	Message    string        `json:"message"`
	Errors     []errorDetail `json:"errors"`
	TrackingID string        `json:"trackingId"`
}

type errorDetail struct {
	Description string `json:"description"`
}

// apiError is a failure a handler answers with.
type apiError struct {
	status int
	msg    string
}

func failf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func notFound(what string) *apiError {
	return failf(http.StatusNotFound, "Could not find a %s with the provided ID.", what)
}

// writeError answers with Webex's error body; the tracking id is the one
// the request was given.
func writeError(w http.ResponseWriter, e *apiError) {
	tid := w.Header().Get(trackingHeader)
	writeJSON(w, e.status, errorBody{
		Message:    e.msg,
		Errors:     []errorDetail{{Description: e.msg}},
		TrackingID: tid,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "emulator: cannot encode answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// items is the body of every list answer.
type items[T any] struct {
	Items []T `json:"items"`
}

// decodeBody reads a JSON request body into v. The API, like Webex, wants
// application/json (415 otherwise); the control API, used from shells too,
// accepts a missing Content-Type.
func decodeBody(r *http.Request, v any, strictType bool) *apiError {
	ct := r.Header.Get("Content-Type")
	if ct != "" || strictType {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return failf(http.StatusUnsupportedMediaType, "Content-Type must be application/json.")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		return failf(http.StatusBadRequest, "The request body is not valid JSON.")
	}
	if dec.More() {
		return failf(http.StatusBadRequest, "The request body holds more than one JSON value.")
	}
	return nil
}

// apiBase is the API root as the client reached it, for Link headers.
func apiBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1"
}

func setNextLink(w http.ResponseWriter, next string) {
	w.Header().Set("Link", "<"+next+`>; rel="next"`)
}

func trimV1(p string) string {
	if rest, ok := strings.CutPrefix(p, "/v1"); ok && (rest == "" || rest[0] == '/') {
		return rest
	}
	return p
}
