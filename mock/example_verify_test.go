package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oppstages/oppstages/mock"
)

// renameStage stands for the code under test: it renames a stage through the API and
// tries again, up to three times, while the server answers 503.
func renameStage(client *http.Client, baseURL string, id int, name string) error {
	body := fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":%q}}}`, id, name)
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v2/opportunityStages/%d", baseURL, id), strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer any-token")
		req.Header.Set("Content-Type", "application/vnd.api+json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusServiceUnavailable && attempt < 3:
			continue
		default:
			return fmt.Errorf("rename stage %d: %s", id, resp.Status)
		}
	}
}

// Check what the code under test sent: one PATCH, to stage 3, with the new name.
func ExampleSandbox_Requests() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	box, _ := srv.Sandbox("") // the default sandbox

	if err := renameStage(srv.Client(), "http://mock", 3, "Discovery Call"); err != nil {
		panic(err)
	}

	log, err := box.Requests(mock.JournalFilter{Method: "PATCH", Path: "/api/v2/opportunityStages/*"})
	if err != nil {
		panic(err)
	}
	e := log.Requests[0]
	var sent struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(e.RequestBody, &sent); err != nil {
		panic(err)
	}
	fmt.Println(log.Count, e.Method, e.Path, e.OperationID, e.Status)
	fmt.Println(sent.Data.Attributes)
	fmt.Println(e.RequestHeaders.Get("Authorization"))
	// Output:
	// 1 PATCH /api/v2/opportunityStages/3 updateOpportunityStage 200
	// map[name:Discovery Call]
	// Bearer REDACTED
}

// Make the code under test take its retry path: the first PATCH gets a 503, the retry
// goes through.
func ExampleSandbox_AddFault() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	box, _ := srv.Sandbox("")
	rule, err := box.AddFault(mock.FaultRule{Method: "PATCH", Status: 503, Times: new(1)})
	if err != nil {
		panic(err)
	}

	err = renameStage(srv.Client(), "http://mock", 3, "Discovery Call")

	log, _ := box.Requests(mock.JournalFilter{OperationID: "updateOpportunityStage"})
	fmt.Println("error:", err)
	for _, e := range log.Requests {
		fmt.Printf("%d %d %q\n", e.ID, e.Status, e.Fault)
	}
	fmt.Println("rule", rule.ID, "fired", box.Faults()[0].Fired, "time(s)")
	// Output:
	// error: <nil>
	// 1 503 "rule 1"
	// 2 200 ""
	// rule 1 fired 1 time(s)
}

// Give every test its own sandbox: the same server serves them all, in parallel, and
// none sees another's writes, faults or journal. In a Go test the loop is a t.Run per
// case with t.Parallel(), and the sandbox is named after the subtest (see
// TestSandboxPerParallelSubtest).
func ExampleServer_Sandbox() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	names := []string{"Negotiation", "Verbal Commit", "Contracting"}
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			box, _ := srv.Sandbox(fmt.Sprintf("case-%d", i))
			if err := renameStage(box.Client(), "http://mock", 5, name); err != nil {
				panic(err)
			}
		})
	}
	wg.Wait()
	for i := range names {
		box, _ := srv.Sandbox(fmt.Sprintf("case-%d", i))
		log, _ := box.Requests(mock.JournalFilter{})
		fmt.Printf("%s: %d request(s), %s\n", box.Name(), log.Count, log.Requests[0].RequestBody)
	}
	// Output:
	// case-0: 1 request(s), {"data":{"type":"opportunityStage","id":5,"attributes":{"name":"Negotiation"}}}
	// case-1: 1 request(s), {"data":{"type":"opportunityStage","id":5,"attributes":{"name":"Verbal Commit"}}}
	// case-2: 1 request(s), {"data":{"type":"opportunityStage","id":5,"attributes":{"name":"Contracting"}}}
}

// One server, a sandbox per parallel subtest: each subtest sees only its own requests.
func TestSandboxPerParallelSubtest(t *testing.T) {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Negotiation", "Verbal Commit", "Contracting", "Closed Won"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			box, err := srv.Sandbox(strings.ReplaceAll(t.Name(), "/", "."))
			if err != nil {
				t.Fatal(err)
			}
			if err := renameStage(box.Client(), "http://mock", 5, name); err != nil {
				t.Fatal(err)
			}
			log, err := box.Requests(mock.JournalFilter{Method: "PATCH"})
			if err != nil {
				t.Fatal(err)
			}
			if log.Count != 1 || !strings.Contains(string(log.Requests[0].RequestBody), `"name":"`+name+`"`) {
				t.Errorf("journal of %s: %d entries, first %s", box.Name(), log.Count, log.Requests[0].RequestBody)
			}
		})
	}
}

// Grade the code under test: renameStage retries a 503 at once, though the answer said
// Retry-After, so the report fails it on retry-after and names the two requests.
func ExampleSandbox_ClientReport() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	box, _ := srv.Sandbox("")
	if _, err := box.AddFault(mock.FaultRule{Method: "PATCH", Status: 503, Headers: map[string]string{"Retry-After": "2"}, Times: new(1)}); err != nil {
		panic(err)
	}
	if err := renameStage(srv.Client(), "http://mock", 3, "Discovery Call"); err != nil {
		panic(err)
	}

	report := box.ClientReport(time.Time{}) // all the journal holds
	check, _ := report.Check("retry-after")
	fmt.Println(check.Name, check.Verdict, check.Entries)
	fmt.Println(report.Passed, "passed,", report.Failed, "failed,", report.Unexercised, "unexercised")
	// Output:
	// retry-after fail [1 2]
	// 2 passed, 1 failed, 6 unexercised
}
