package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// claims are what an access token says about itself.
type claims struct {
	Issuer    string `json:"iss"`
	ClientID  string `json:"azp"`
	Scope     string `json:"scope"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
}

const issuer = "oppstages-mock"

// jwtHeader is the fixed, encoded header of every access token: HMAC-SHA256, as a JWT.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// sign encodes c as a JWT signed with key.
func sign(key []byte, c claims) string {
	payload, _ := json.Marshal(c) // strings and integers always marshal
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac(key, unsigned))
}

func mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// verify returns the claims of a token this key signed; ok is false for anything else.
func verify(key []byte, token string) (claims, bool) {
	header, rest, found := strings.Cut(token, ".")
	if !found || header != jwtHeader {
		return claims{}, false
	}
	payload, sig, found := strings.Cut(rest, ".")
	if !found {
		return claims{}, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, header+"."+payload)) {
		return claims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var c claims // declared only here: decoding moves it to the heap, and most tokens never get this far
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Issuer != issuer {
		return claims{}, false
	}
	return c, true
}

// Access is what the API needs to know about an access token the server issued.
type Access struct {
	ClientID  string
	Scopes    []string
	ExpiresAt time.Time
}
