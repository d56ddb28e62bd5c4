// Package mock is a stateful, in-memory stand-in for the Outreach opportunity stages API.
//
// Every request under /api/v2 is matched and validated against the embedded openapi.yaml
// before a handler runs; invalid requests get the vendor's error documents. Valid ones get
// JSON:API behaviour over an in-memory store seeded from fixtures: create, read, update,
// delete, filters, multi-key sort, keyset cursor pagination, sparse fieldsets, include and
// resource meta. A Server is a value: many can run in one process, each with its own state.
//
// Requests that send X-Mock-Sandbox get an isolated copy of the state. Server.Sandbox
// returns a handle on one sandbox whose methods are the admin API under /__admin/: fault
// rules, the request journal (what a client sent and got, filtered), settings, state and
// reset. The admin HTTP handlers call the same methods, so a Go test and a curl call get
// the same answers under the same rules.
//
// A Go test can also seed a server with typed records (Options.Stages and Options.Users
// in place of the fixtures) and read and write a sandbox's stages as oppstages.Stage
// values: Sandbox.Put (create or replace, checked as the API checks a create),
// Sandbox.Stage, Sandbox.List and Sandbox.Len.
package mock
