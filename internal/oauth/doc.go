// Package oauth is the mock's OAuth 2.0 authorization server, shaped like the vendor's
// /oauth/authorize and /oauth/token: the authorization-code grant, single-use codes,
// refresh tokens that rotate on every use, and access tokens that the API accepts with
// their scopes until they expire.
//
// A Server is a value with its own codes and refresh tokens, bounded in number and in age,
// and an injectable clock. Access tokens are signed, JWT-shaped and carry their own scopes
// and expiry, so checking one needs no stored state and a server never forgets that a token
// it issued has expired.
package oauth
