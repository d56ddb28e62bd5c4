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
// rules, the request journal (what a client sent and got, filtered), the client report
// (how the client under test behaved, judged from the journal), settings, state and
// reset. The admin HTTP handlers call the same methods, so a Go test and a curl call get
// the same answers under the same rules.
//
// A Go test can also seed a server with typed records (Options.Stages and Options.Users
// in place of the fixtures) and read and write a sandbox's stages as oppstages.Stage
// values: Sandbox.Put (create or replace, checked as the API checks a create),
// Sandbox.Stage, Sandbox.List and Sandbox.Len.
//
// # Reading the package
//
// The files follow a request. New (server.go, from Options in options.go) builds the
// request chain once; Handler serves it, Client serves it in memory (client.go), both
// behind the CORS policy (cors.go).
//
//   - serve.go: serveHTTP, the one way in. It refuses what cannot be answered at all
//     (headers.go), reads sloppy forms as canonical ones (lenient.go), hands the admin
//     API, the dashboard and the authorization server (oauth.go) their requests, runs the
//     chain, and finish journals and logs the exchange (exchange.go).
//   - chain.go: the chain's steps in order and the answerer behind them. Each step opens
//     the file of the state it reads: route (chain.go), identify (auth.go), rateLimit
//     (ratelimit.go, its buckets in ratebuckets.go), delay and errorRate (settings.go),
//     faults (faults.go, the rules' checks in faultrule.go, the tokens rules expired in
//     expired.go), preferred (prefer.go).
//   - fromstore.go: the store's answer, after the vendor's checks in the vendor's order.
//     operations.go holds the dispatch table, keyed by the contract's operationIds and
//     checked against it by New, and one method per operation; links.go builds a page's
//     links, opportunities.go reads the opportunities list's parameters.
//   - upstream.go: the answers of an upstream API, passed through or validated (proxy).
//   - respond.go: response, which every answer is, and its one way out; canned.go: the
//     answers written in advance (openapi.yaml's examples, the error fixtures) and the
//     Retry-After they need.
//
// Beside the API: admin.go routes the admin API by its table of patterns to the Sandbox
// methods (sandbox.go; the client report and the gauntlet that provokes it in report.go,
// through internal/clientreport), answers in JSON (adminjson.go) and only to the callers
// admincaller.go lets in; sandboxes.go holds each sandbox's state; statefile.go
// keeps the default sandbox in the -state file (through internal/statefile); data.go
// holds the typed data API; errors.go holds the errors the Sandbox methods return;
// smallfile.go reads the small files a command's flags name.
package mock
