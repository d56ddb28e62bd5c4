// Package mock is a stateful, in-memory stand-in for the Outreach opportunity stages API.
//
// Every request under /api/v2 is matched and validated against the embedded openapi.yaml
// before a handler runs; invalid requests get the vendor's error documents. Valid ones get
// JSON:API behaviour over an in-memory store seeded from fixtures: create, read, update,
// delete, filters, multi-key sort, keyset cursor pagination, sparse fieldsets, include and
// resource meta. A Server is a value: many can run in one process, each with its own state.
package mock
