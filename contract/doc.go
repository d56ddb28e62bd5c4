// Package contract checks any implementation of the opportunity stages API (the real
// Outreach API, the oppstages mock, a partner's server) against openapi.yaml.
//
// Run sends real requests to a target and checks every exchange against the contract
// (status documented for the operation, media type, headers, body schema) and then the
// behaviour: round trips, partial updates, deletes, cursor pagination, sorting, filters,
// sparse fieldsets, include, counts, resource meta, error envelopes, and bodies generated
// from the request schema; each error by the vendor's identity for its situation (status,
// id and title), and every link by following it once. The property checks walk list
// queries generated from the target's own data, covering every pair of list-parameter
// levels whatever Config.Seed (Report.Coverage), and judge every walk against an oracle
// that predicts each answer from one full listing; the protocol checks look at the media
// type, the meaning of the rate-limit headers and the identity of the errors of every
// exchange. ReadOnly mode sends only GETs and is safe against production;
// Full mode deletes every record it created, also when a check fails or the run is
// interrupted. Test adapts Run to go test, each check inside a subtest of its own, so that
// go test -run selects checks.
//
// Each check ends with a Verdict: Pass only on evidence (the exchanges it judged are in
// Result.Requests), Skip when there was nothing to judge, Fail, or Inferred when every
// problem it found breaks a rule the spec marks x-inferred, a guess rather than a fact, so
// that a run against the real API tells a broken server from a wrong guess.
package contract
