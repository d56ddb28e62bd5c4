// Package contract checks any implementation of the opportunity stages API (the real
// Outreach API, the oppstages mock, a partner's server) against openapi.yaml.
//
// Run sends real requests to a target and checks every exchange against the contract
// (status documented for the operation, media type, headers, body schema) and then the
// behaviour: round trips, partial updates, deletes, cursor pagination, sorting, filters,
// sparse fieldsets, include, counts, resource meta, error envelopes, and bodies generated
// from the request schema. The property checks walk list queries generated from the
// target's own data (Config.Seed, Config.Cases) and judge every walk against an oracle
// that predicts each answer from one full listing; the protocol checks look at the media
// type and rate-limit headers of every exchange. ReadOnly mode sends only GETs and is safe against production;
// Full mode deletes every record it created, also when a check fails or the run is
// interrupted. Test adapts Run to go test, one subtest per check.
//
// Each check ends with a Verdict: Pass only on evidence (the exchanges it judged are in
// Result.Requests), Skip when there was nothing to judge, Fail, or Inferred when every
// problem it found breaks a rule the spec marks x-inferred, a guess rather than a fact, so
// that a run against the real API tells a broken server from a wrong guess.
package contract
