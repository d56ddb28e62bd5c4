package oppstages

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// SpecYAML is the contract of the API under /api/v2, openapi.yaml, exactly as it is in the
// repository.
//
//go:embed openapi.yaml
var SpecYAML []byte

// loadEmbedded parses the embedded contract once per process; the result is immutable.
var loadEmbedded = sync.OnceValues(func() (*openapi3.T, error) { return ParseSpec(SpecYAML) })

// Spec returns the embedded contract, parsed and validated. Every caller gets the same
// document, so it must be treated as read-only.
func Spec() (*openapi3.T, error) { return loadEmbedded() }

// OAuthYAML describes the authorization server that issues the API's access tokens
// (/oauth/authorize and /oauth/token, at the root beside /api/v2), oauth.yaml exactly as it
// is in the repository.
//
//go:embed oauth.yaml
var OAuthYAML []byte

var loadOAuth = sync.OnceValues(func() (*openapi3.T, error) { return ParseSpec(OAuthYAML) })

// OAuthSpec returns the embedded authorization server's description, parsed and validated
// once. Every caller gets the same document, so it must be treated as read-only.
func OAuthSpec() (*openapi3.T, error) { return loadOAuth() }

// AdminYAML describes the mock's admin API under /__admin/, admin.yaml exactly as it is in
// the repository.
//
//go:embed admin.yaml
var AdminYAML []byte

var loadAdmin = sync.OnceValues(func() (*openapi3.T, error) { return ParseSpec(AdminYAML) })

// AdminSpec returns the embedded admin API description, parsed and validated once. Every
// caller gets the same document, so it must be treated as read-only.
func AdminSpec() (*openapi3.T, error) { return loadAdmin() }

// ParseSpec parses and validates an OpenAPI 3.0 document, examples included.
func ParseSpec(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate openapi document: %w", err)
	}
	return doc, nil
}

// BlankParameters are the query parameters that openapi.yaml's x-blank-parameters says
// are read as absent when sent with an empty value.
func BlankParameters(doc *openapi3.T) ([]string, error) {
	ext, ok := doc.Extensions["x-blank-parameters"].(map[string]any)
	if !ok {
		return nil, nil
	}
	list, ok := ext["parameters"].([]any)
	if !ok {
		return nil, fmt.Errorf("x-blank-parameters.parameters must be a list of parameter names")
	}
	names := make([]string, 0, len(list))
	for _, v := range list {
		name, ok := v.(string)
		if !ok || name == "" {
			return nil, fmt.Errorf("x-blank-parameters.parameters: %v is not a parameter name", v)
		}
		names = append(names, name)
	}
	return names, nil
}
