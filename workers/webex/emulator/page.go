package emulator

import (
	"embed"
	"io/fs"
	"net/http"
)

// The page (GET /) is a browser front end of the control API: users and
// rooms, a conversation with the bot, its cards rendered and submittable,
// and the fault controls. Its files, the Adaptive Cards renderer included,
// are compiled in, so the page needs no network; web/build/vendor.sh
// refreshes the renderer from npm.
//
//go:embed web/index.html web/app.js web/app.css web/markdown.js web/vendor
var webFiles embed.FS

// pageSecurity is the page's Content-Security-Policy: its own scripts only;
// the card renderer sets inline styles.
const pageSecurity = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// pageHandler serves the page at / and its files under /web/.
func pageHandler() http.Handler {
	web, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded tree always has web/
	}
	files := http.StripPrefix("/web/", http.FileServerFS(web))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		http.ServeFileFS(w, r, web, "index.html")
	})
	mux.Handle("GET /web/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		files.ServeHTTP(w, r)
	}))
	return mux
}

func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
}
