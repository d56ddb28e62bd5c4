package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/clip"
)

// MaxBodyBytes bounds a token request's body; a token request is a few hundred bytes.
const MaxBodyBytes = 64 << 10

// TokenRequest is a token request as sent: its parameters and, when the client
// authenticated with HTTP Basic, the credentials from the header.
type TokenRequest struct {
	Params url.Values
	// BasicID and BasicPass are the id and password of an Authorization header that
	// decoded as HTTP Basic; empty when it did not.
	BasicID, BasicPass string
	// Basic is whether the Authorization header named the Basic scheme (in any case),
	// whether or not its credentials decoded: the client attempted HTTP Basic.
	Basic bool
}

// client is the client's id and secret, taken as Doorkeeper takes them: from HTTP Basic
// when the header gives both, else from the parameters. A request that sends credentials
// both ways is answered with the header's, the parameters' left unread, as Doorkeeper
// answers it; RFC 6749 section 2.3 forbids the client to send both but asks no server
// to refuse them, and refusing would fail apps that work against the real API.
func (t TokenRequest) client() (id, secret string) {
	if t.BasicID != "" && t.BasicPass != "" {
		return t.BasicID, t.BasicPass
	}
	return t.Params.Get("client_id"), t.Params.Get("client_secret")
}

// ClientID is the client a token request authenticates as, taken as the answer takes it:
// from HTTP Basic when the header gives both an id and a password, else client_id.
func (t TokenRequest) ClientID() string {
	id, _ := t.client()
	return id
}

// Grant is what a token request presents: its grant_type, and the authorization code or
// refresh token that grant type sends ("" for a grant type the server does not know).
func (t TokenRequest) Grant() (grantType, grant string) {
	grantType = t.Params.Get("grant_type")
	switch grantType {
	case "authorization_code":
		return grantType, t.Params.Get("code")
	case "refresh_token":
		return grantType, t.Params.Get("refresh_token")
	}
	return grantType, ""
}

// ParseTokenRequest reads the parameters of a token request from a form-encoded, JSON or
// multipart body, on top of any in the query string (the body wins), as Rails-based
// servers merge them. A parameter given twice counts with its last value.
func ParseTokenRequest(r *http.Request) (TokenRequest, *Error) {
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = vs
	}
	body, err := readBody(r)
	if err != nil {
		return TokenRequest{}, err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		fromBody, err := parseBody(r.Header.Get("Content-Type"), body)
		if err != nil {
			return TokenRequest{}, err
		}
		for k, vs := range fromBody {
			params[k] = vs
		}
	}
	req := TokenRequest{Params: lastValues(params), Basic: namesBasicScheme(r.Header.Get("Authorization"))}
	if id, pass, ok := r.BasicAuth(); ok {
		req.BasicID, req.BasicPass = formDecode(id), formDecode(pass)
	}
	return req, nil
}

// lastValues is q with each parameter reduced to its last value, as Rack, and so the real
// API, reads a parameter given more than once; q itself is not changed.
func lastValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1:]
		}
	}
	return out
}

// namesBasicScheme reports whether an Authorization header value uses the Basic scheme,
// compared without regard to case (RFC 9110 section 11.1), whatever follows it.
func namesBasicScheme(authorization string) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	return strings.EqualFold(scheme, "Basic")
}

func readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return nil, errorf(ErrInvalidRequest, http.StatusRequestEntityTooLarge,
				"The request body must not exceed %d bytes.", MaxBodyBytes)
		}
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The request body could not be read.")
	}
	return body, nil
}

func parseBody(contentType string, body []byte) (url.Values, *Error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "application/x-www-form-urlencoded", nil
	}
	switch {
	case err != nil:
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The Content-Type header is malformed.")
	case mt == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The form-encoded body is malformed.")
		}
		return v, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return parseJSON(body)
	case mt == "multipart/form-data":
		return parseMultipart(body, params["boundary"])
	}
	return nil, errorf(ErrInvalidRequest, http.StatusBadRequest,
		"Send the parameters as application/x-www-form-urlencoded or application/json, not %s.", clip.String(mt))
}

// parseJSON reads a flat JSON object; numbers and booleans count as their text.
func parseJSON(body []byte) (url.Values, *Error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The JSON body must be an object of strings.")
	}
	v := url.Values{}
	for k, raw := range obj {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var value any
		_ = dec.Decode(&value) // raw is one valid JSON value
		switch value := value.(type) {
		case string:
			v.Set(k, value)
		case json.Number:
			v.Set(k, value.String())
		case bool:
			v.Set(k, strconv.FormatBool(value))
		case nil:
		default:
			return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The parameter '%s' must be a string.", clip.String(k))
		}
	}
	return v, nil
}

func parseMultipart(body []byte, boundary string) (url.Values, *Error) {
	if boundary == "" {
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The multipart body has no boundary.")
	}
	r := &http.Request{Header: http.Header{"Content-Type": {"multipart/form-data; boundary=" + boundary}},
		Body: io.NopCloser(bytes.NewReader(body)), Method: http.MethodPost}
	if err := r.ParseMultipartForm(MaxBodyBytes); err != nil {
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "The multipart body is malformed.")
	}
	defer r.MultipartForm.RemoveAll()
	return url.Values(r.MultipartForm.Value), nil
}

// formDecode undoes the form encoding RFC 6749 asks clients to apply to Basic credentials.
func formDecode(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}
