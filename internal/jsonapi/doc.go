// Package jsonapi writes the JSON:API documents the API answers with (stages, users, pages
// and errors) and reads the documents clients send. Output is appended to byte slices in a
// fixed member order, so equal state always gives equal bytes.
package jsonapi

// MediaType is the JSON:API media type.
const MediaType = "application/vnd.api+json"
