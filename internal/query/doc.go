// Package query parses the list endpoint's JSON:API query language into typed values:
// filters (exact values, lists and ranges, null tests, and the newFilterSyntax comparison
// and list forms), multi-key sort, sparse fieldsets, include, cursor and offset pages, with
// a repeated parameter read as its last value. It also encodes and decodes the opaque,
// signed keyset cursors used for pagination.
package query
