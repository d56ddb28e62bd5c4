// Package oppstages holds the shared vocabulary of the oppstages mock server and contract
// suite: the embedded OpenAPI contract, the Stage and User records, and the error codes the
// vendor answers with.
//
// The module, by folder:
//
//	.                    this package: openapi.yaml and oauth.yaml embedded and loaded once, Stage, User, error codes
//	fixtures/            the embedded seed data and captured error responses
//	mock/                the mock server: mock.New(Options), Server.Handler, Server.Sandbox
//	contract/            the contract suite: contract.Run, contract.Test
//	cmd/mockserver/      the mock as a command
//	cmd/contract/        the suite as a command, for CI
//	cmd/interop/         make interop: third-party contract tools against a fresh mock
//	cmd/loadbench/       make bench and make load: the mock over loopback beside a bare handler
//	internal/...         the pieces mock and contract are made of (store, statefile, query,
//	                     jsonapi, validation, journal, oauth, upstream, ...), each one job
//
// Imports run one way: internal/ holds no command and imports neither mock nor contract,
// and cmd/mockserver reaches the mock only through package mock and this one
// (TestImportsRunOneWay holds both).
package oppstages
