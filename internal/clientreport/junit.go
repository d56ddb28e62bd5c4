package clientreport

import (
	"io"
	"strconv"

	"github.com/oppstages/oppstages/internal/junit"
)

// WriteJUnit writes the report as JUnit XML, a suite of that name with one test case per
// check: a fail is a failure with the check's detail and entries, an unexercised check is
// skipped with its detail. The suite's properties give the counts, evicted among them: a
// report over a journal that dropped entries may miss a failure, and a CI gate should
// say so.
func WriteJUnit(w io.Writer, r Report, suite string) error {
	s := junit.Suite{Name: suite, Properties: []junit.Property{
		{Name: "passed", Value: strconv.Itoa(r.Passed)},
		{Name: "failed", Value: strconv.Itoa(r.Failed)},
		{Name: "unexercised", Value: strconv.Itoa(r.Unexercised)},
		{Name: "evicted", Value: strconv.Itoa(r.Evicted)},
	}}
	for _, c := range r.Checks {
		tc := junit.Case{Name: c.Name, Classname: "client-report"}
		switch c.Verdict {
		case Fail:
			tc.Failure = &junit.Failure{Message: c.Detail, Type: string(Fail), Text: c.Detail + "\nentries: " + joinIDs(c.Entries)}
		case Unexercised:
			tc.Skipped = &junit.Skipped{Message: c.Detail}
		}
		s.Cases = append(s.Cases, tc)
	}
	return junit.Write(w, s)
}
