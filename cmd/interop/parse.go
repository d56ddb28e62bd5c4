package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type dreddCounts struct {
	passing, failing, errors, skipped, total int
	operations                               int // distinct method and path among the transactions
}

func (c dreddCounts) String() string {
	return fmt.Sprintf("%d transactions over %d operations: %d passed, %d failed, %d errors, %d skipped", c.total, c.operations, c.passing, c.failing, c.errors, c.skipped)
}

var dreddTransaction = regexp.MustCompile(`(?m)^\S*(?:pass|fail|skip)\S*: ([A-Z]+) \(\d+\) ([^?\s]+)`)

var dreddSummary = regexp.MustCompile(`complete\S*:?\s+(\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, (\d+) total`)

// dreddNoExample is the error Dredd 14 rejects a document with, once per answer, when a
// required parameter has no single example.
var dreddNoExample = regexp.MustCompile(`Required URI parameter '[^']+' has no example or default value`)

// parseDredd reads Dredd's closing "complete: N passing, N failing, ..." line.
func parseDredd(out string) (dreddCounts, error) {
	m := lastMatch(dreddSummary, out)
	if m == nil {
		return dreddCounts{}, errors.New("dredd printed no summary line")
	}
	c := dreddCounts{passing: atoi(m[1]), failing: atoi(m[2]), errors: atoi(m[3]), skipped: atoi(m[4]), total: atoi(m[5])}
	ops := map[string]bool{}
	for _, t := range dreddTransaction.FindAllStringSubmatch(out, -1) {
		ops[t[1]+" "+t[2]] = true
	}
	c.operations = len(ops)
	return c, nil
}

type specmaticCounts struct {
	run, successes, failures, wip, errors int
	// failed are the scenarios that did not succeed, as "METHOD PATH -> STATUS", each once.
	failed []string
	// skipped counts the documented answers Specmatic has no example scenario for.
	skipped int
}

func (c specmaticCounts) String() string {
	return fmt.Sprintf("%d tests: %d passed, %d failed, %d errors, %d WIP; %d documented answers without a named example skipped", c.run, c.successes, c.failures, c.errors, c.wip, c.skipped)
}

// failedOnly reports whether every scenario that failed is the one named.
func (c specmaticCounts) failedOnly(scenario string) bool {
	return len(c.failed) == 1 && c.failed[0] == scenario
}

var specmaticSummary = regexp.MustCompile(`Tests run: (\d+), Successes: (\d+), Failures: (\d+), WIP: (\d+), Errors: (\d+)`)

// specmaticScenario is the line closing each test: "Scenario: POST /oauth/token -> 200
// with the request from the example 'x' has FAILED".
var specmaticScenario = regexp.MustCompile(`(?m)^Scenario: ([A-Z]+ \S+ -> \d+) .* has ([A-Z]+)\s*$`)

var specmaticSkipped = regexp.MustCompile(`(?m)^\s*Skipping Scenario: `)

// parseSpecmatic reads Specmatic's closing "Tests run: N, Successes: N, ..." line, and
// which scenarios did not succeed.
func parseSpecmatic(out string) (specmaticCounts, error) {
	m := lastMatch(specmaticSummary, out)
	if m == nil {
		return specmaticCounts{}, errors.New("specmatic printed no summary line")
	}
	c := specmaticCounts{run: atoi(m[1]), successes: atoi(m[2]), failures: atoi(m[3]), wip: atoi(m[4]), errors: atoi(m[5])}
	for _, s := range specmaticScenario.FindAllStringSubmatch(out, -1) {
		if s[2] != "SUCCEEDED" && !slices.Contains(c.failed, s[1]) {
			c.failed = append(c.failed, s[1])
		}
	}
	slices.Sort(c.failed)
	c.skipped = len(specmaticSkipped.FindAllStringIndex(out, -1))
	return c, nil
}

type lintCounts struct{ errors, warnings, infos, hints, ignored int }

// parseSpectral counts Spectral's JSON results by severity (0 error, 1 warning, 2 info,
// 3 hint). Spectral prints the JSON array first, then a sentence.
func parseSpectral(stdout string) (lintCounts, error) {
	i := strings.Index(stdout, "[")
	if i < 0 {
		return lintCounts{}, errors.New("spectral printed no JSON results")
	}
	var results []struct {
		Severity int `json:"severity"`
	}
	if err := json.NewDecoder(strings.NewReader(stdout[i:])).Decode(&results); err != nil {
		return lintCounts{}, err
	}
	var c lintCounts
	for _, r := range results {
		switch r.Severity {
		case 0:
			c.errors++
		case 1:
			c.warnings++
		case 2:
			c.infos++
		default:
			c.hints++
		}
	}
	return c, nil
}

// parseRedocly adds up the totals of Redocly's JSON reports, one per document linted.
func parseRedocly(stdout string) (lintCounts, error) {
	i := strings.Index(stdout, "{")
	if i < 0 {
		return lintCounts{}, errors.New("redocly printed no JSON report")
	}
	dec := json.NewDecoder(strings.NewReader(stdout[i:]))
	var c lintCounts
	for reports := 0; ; reports++ {
		var report struct {
			Totals *struct {
				Errors   int `json:"errors"`
				Warnings int `json:"warnings"`
				Ignored  int `json:"ignored"`
			} `json:"totals"`
		}
		err := dec.Decode(&report)
		if errors.Is(err, io.EOF) && reports > 0 {
			return c, nil
		}
		if err != nil {
			return lintCounts{}, err
		}
		if report.Totals == nil {
			return lintCounts{}, errors.New("a redocly report has no totals")
		}
		c.errors += report.Totals.Errors
		c.warnings += report.Totals.Warnings
		c.ignored += report.Totals.Ignored
	}
}

func lastMatch(re *regexp.Regexp, s string) []string {
	all := re.FindAllStringSubmatch(s, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // the patterns only match digits
	return n
}
