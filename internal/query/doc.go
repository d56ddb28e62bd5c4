// Package query parses the list endpoint's JSON:API query language (filters with lists and
// ranges, multi-key sort, sparse fieldsets, include, page size) into typed values, and
// encodes and decodes the opaque, signed keyset cursors used for pagination.
package query
