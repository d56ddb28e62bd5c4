// Command adminclient drives a client that oapi-codegen generated from admin.yaml against
// a mock, in a sandbox of its own: it adds a fault rule, sets it off with an API request,
// finds that request in the journal with the rule's mark, and removes the rule. It prints
// one line per exchange and exits 1 on the first answer the client did not expect.
//
//	adminclient http://127.0.0.1:8080
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"example.com/adminclient/admin"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: adminclient ROOT_URL")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "adminclient:", err)
		os.Exit(1)
	}
}

// sandbox keeps the program's rule and journal apart from anything else on the mock.
const sandbox = "interop-admin"

func run(ctx context.Context, root string) error {
	c, err := admin.NewClientWithResponses(root + "/__admin")
	if err != nil {
		return err
	}
	box := new(admin.Sandbox(sandbox))
	step := func(what string, status, want int, body []byte) error {
		if status != want {
			return fmt.Errorf("%s: status %d, want %d\n%s", what, status, want, body)
		}
		fmt.Printf("ok %s -> %d\n", what, status)
		return nil
	}

	health, err := c.GetHealthWithResponse(ctx, &admin.GetHealthParams{XMockSandbox: box})
	if err != nil {
		return err
	}
	if err := step("health", health.StatusCode(), 200, health.Body); err != nil {
		return err
	}
	if health.JSON200 == nil || health.JSON200.Status != admin.Ok {
		return fmt.Errorf("health: not ok: %s", health.Body)
	}

	added, err := c.AddFaultWithResponse(ctx, &admin.AddFaultParams{XMockSandbox: box}, admin.FaultRuleInput{
		Method:  new("GET"),
		Path:    new("/api/v2/opportunityStages/*"),
		Status:  new(503),
		Headers: &admin.FaultHeaders{"Retry-After": "7"},
		Times:   new(1),
	})
	if err != nil {
		return err
	}
	if err := step("add fault", added.StatusCode(), 201, added.Body); err != nil {
		return err
	}
	rule := added.JSON201
	if rule == nil || rule.Id < 1 || rule.Fired != 0 || rule.Times == nil || *rule.Times != 1 {
		return fmt.Errorf("add fault: the rule did not come back as stored: %s", added.Body)
	}

	for _, want := range []int{503, 200} { // the rule fires once, then the stage is answered
		status, retryAfter, err := getStage(ctx, root)
		if err != nil {
			return err
		}
		if err := step("GET /api/v2/opportunityStages/1", status, want, nil); err != nil {
			return err
		}
		if want == 503 && retryAfter != "7" {
			return fmt.Errorf("the fault answered Retry-After %q, want the rule's 7", retryAfter)
		}
	}

	journal, err := c.ListRequestsWithResponse(ctx, &admin.ListRequestsParams{
		XMockSandbox: box, Path: new("/api/v2/opportunityStages/*"), Status: new(503),
	})
	if err != nil {
		return err
	}
	if err := step("journal, filtered", journal.StatusCode(), 200, journal.Body); err != nil {
		return err
	}
	log := journal.JSON200
	if log == nil || log.Count != 1 || len(log.Requests) != 1 {
		return fmt.Errorf("journal: want the one faulted request: %s", journal.Body)
	}
	entry := log.Requests[0]
	if want := fmt.Sprintf("rule %d", rule.Id); entry.Fault == nil || *entry.Fault != want || entry.Status != 503 ||
		entry.OperationId == nil || *entry.OperationId != "getOpportunityStage" || entry.Sandbox != sandbox {
		return fmt.Errorf("journal: want the request that %s answered 503: %s", want, journal.Body)
	}

	faults, err := c.ListFaultsWithResponse(ctx, &admin.ListFaultsParams{XMockSandbox: box})
	if err != nil {
		return err
	}
	if err := step("list faults", faults.StatusCode(), 200, faults.Body); err != nil {
		return err
	}
	if f := faults.JSON200; f == nil || len(f.Faults) != 1 || f.Faults[0].Fired != 1 || *f.Faults[0].Times != 0 {
		return fmt.Errorf("list faults: want the rule, fired once with no times left: %s", faults.Body)
	}

	removed, err := c.RemoveFaultWithResponse(ctx, rule.Id, &admin.RemoveFaultParams{XMockSandbox: box})
	if err != nil {
		return err
	}
	if err := step("remove fault", removed.StatusCode(), 204, removed.Body); err != nil {
		return err
	}
	again, err := c.RemoveFaultWithResponse(ctx, rule.Id, &admin.RemoveFaultParams{XMockSandbox: box})
	if err != nil {
		return err
	}
	if err := step("remove it again", again.StatusCode(), 404, again.Body); err != nil {
		return err
	}
	if again.JSON404 == nil || again.JSON404.Error == "" {
		return fmt.Errorf("remove it again: no admin error: %s", again.Body)
	}

	faults, err = c.ListFaultsWithResponse(ctx, &admin.ListFaultsParams{XMockSandbox: box})
	if err != nil {
		return err
	}
	if err := step("list faults", faults.StatusCode(), 200, faults.Body); err != nil {
		return err
	}
	if faults.JSON200 == nil || len(faults.JSON200.Faults) != 0 {
		return fmt.Errorf("list faults: want none left: %s", faults.Body)
	}
	return nil
}

// getStage reads stage 1 through the API, in the program's sandbox, and returns the status
// and Retry-After it was answered.
func getStage(ctx context.Context, root string) (status int, retryAfter string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/api/v2/opportunityStages/1", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer any-token")
	req.Header.Set("X-Mock-Sandbox", sandbox)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}
