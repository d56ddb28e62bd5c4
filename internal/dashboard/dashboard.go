// Package dashboard serves the mock's control page: one HTML page with its script and
// style sheet, embedded in the binary, that speaks only to the admin API. It holds no
// data of its own, so it is served without the admin token; the page asks for the token
// and sends it with every admin call it makes.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed ui
var assets embed.FS

// Prefix is where the page lives.
const Prefix = "/__admin/ui/"

// Handler serves the page under Prefix; a request for the bare prefix without its
// trailing slash is redirected to it.
func Handler() http.Handler {
	sub, err := fs.Sub(assets, "ui")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(Prefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the dashboard only answers GET", http.StatusMethodNotAllowed)
			return
		}
		if !strings.HasPrefix(r.URL.Path, Prefix) {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		h := w.Header()
		// Everything the page shows comes from requests it did not make; the policy keeps
		// any markup in that data inert even if a bug ever put it into the DOM as HTML.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
