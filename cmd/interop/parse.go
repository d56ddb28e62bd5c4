package main

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

type dreddCounts struct {
	passing, failing, errors, skipped, total int
	operations                               int // distinct method and path among the transactions
}

var dreddTransaction = regexp.MustCompile(`(?m)^\S*(?:pass|fail|skip)\S*: ([A-Z]+) \(\d+\) (\S+)`)

var dreddSummary = regexp.MustCompile(`complete\S*:?\s+(\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, (\d+) total`)

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

type specmaticCounts struct{ run, successes, failures, wip, errors int }

var specmaticSummary = regexp.MustCompile(`Tests run: (\d+), Successes: (\d+), Failures: (\d+), WIP: (\d+), Errors: (\d+)`)

// parseSpecmatic reads Specmatic's closing "Tests run: N, Successes: N, ..." line.
func parseSpecmatic(out string) (specmaticCounts, error) {
	m := lastMatch(specmaticSummary, out)
	if m == nil {
		return specmaticCounts{}, errors.New("specmatic printed no summary line")
	}
	return specmaticCounts{atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5])}, nil
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

// parseRedocly reads the totals of Redocly's JSON report.
func parseRedocly(stdout string) (lintCounts, error) {
	i := strings.Index(stdout, "{")
	if i < 0 {
		return lintCounts{}, errors.New("redocly printed no JSON report")
	}
	var report struct {
		Totals *struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
			Ignored  int `json:"ignored"`
		} `json:"totals"`
	}
	if err := json.NewDecoder(strings.NewReader(stdout[i:])).Decode(&report); err != nil {
		return lintCounts{}, err
	}
	if report.Totals == nil {
		return lintCounts{}, errors.New("the redocly report has no totals")
	}
	return lintCounts{errors: report.Totals.Errors, warnings: report.Totals.Warnings, ignored: report.Totals.Ignored}, nil
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
