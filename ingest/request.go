package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// checkRequest refuses, before the body is read, what no Webex delivery
// looks like: another method, another media type, an encoded body, or a
// declared length over the limit.
func checkRequest(r *http.Request, maxBody int64) *rejection {
	if r.Method != http.MethodPost {
		return &rejection{http.StatusMethodNotAllowed, outcomeMethodNotAllowed, "method not allowed; use POST"}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &rejection{http.StatusUnsupportedMediaType, outcomeUnsupportedMediaType, "Content-Type must be application/json"}
	}
	// The signature covers the bytes Webex sent, which are never encoded;
	// decoding a compressed body would also undo the size limit.
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, enc := range strings.Split(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "identity") {
				return &rejection{http.StatusUnsupportedMediaType, outcomeUnsupportedMediaType, "Content-Encoding not supported"}
			}
		}
	}
	if r.ContentLength > maxBody {
		return tooLarge(maxBody)
	}
	return nil
}

// firstChunk is the most readBody reserves before any byte of a body
// arrived: more than a Webex delivery takes (2 KB or so), so that one is
// read without growing the buffer, and far less than a body may declare.
const firstChunk = 16 << 10

// readBody reads the whole body, cutting it off past maxBody, which also
// covers chunked bodies that declared no length.
//
// The buffer grows with the bytes that arrive, never to the declared
// Content-Length up front: that length is unverified, and reserving it
// let requests that declared 1 MiB and sent nothing hold 1 MiB each.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, *rejection) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, firstChunk)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(maxBody)
		}
		return nil, &rejection{http.StatusBadRequest, outcomeBadRequest, "cannot read body"}
	}
	return buf.Bytes(), nil
}

func tooLarge(maxBody int64) *rejection {
	return &rejection{http.StatusRequestEntityTooLarge, outcomeTooLarge, fmt.Sprintf("body larger than %d bytes", maxBody)}
}
