// Command roundtrip drives a client that oapi-codegen generated from openapi.yaml against
// a server: list, create, read, update, read again, delete, and read the 404. It prints one
// line per exchange and exits 1 on the first answer the client did not expect.
//
//	roundtrip http://127.0.0.1:8080
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"example.com/roundtrip/stages"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: roundtrip ROOT_URL")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, root string) error {
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer any-token")
		return nil
	}
	c, err := stages.NewClientWithResponses(root+"/api/v2", stages.WithRequestEditorFn(auth))
	if err != nil {
		return err
	}
	exchanges := 0
	step := func(what string, status, want int) error {
		exchanges++
		if status != want {
			return fmt.Errorf("%s: status %d, want %d", what, status, want)
		}
		fmt.Printf("ok %s -> %d\n", what, status)
		return nil
	}

	list, err := c.ListOpportunityStagesWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := step("list", list.StatusCode(), 200); err != nil {
		return err
	}
	if list.ApplicationvndApiJSON200 == nil || len(list.ApplicationvndApiJSON200.Data) == 0 {
		return fmt.Errorf("list: no stages decoded from %s", list.Body)
	}

	name, order, closed, color := "Round Trip", 42, false, "#123456"
	var create stages.CreateOpportunityStageApplicationVndAPIPlusJSONRequestBody
	create.Data.Type = "opportunityStage"
	create.Data.Attributes = &stages.OpportunityStageWritableAttributes{Name: &name, Order: &order, IsClosed: &closed, Color: &color}
	created, err := c.CreateOpportunityStageWithApplicationVndAPIPlusJSONBodyWithResponse(ctx, nil, create)
	if err != nil {
		return err
	}
	if err := step("create", created.StatusCode(), 201); err != nil {
		return fmt.Errorf("%w\n%s", err, created.Body)
	}
	stage := created.ApplicationvndApiJSON201.Data
	if got := stage.Attributes; got == nil || *got.Name != name || *got.Order != order || got.CreatedAt == nil {
		return fmt.Errorf("create: the stage did not come back as sent: %s", created.Body)
	}
	id := int64(stage.Id)

	read, err := c.GetOpportunityStageWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := step("get", read.StatusCode(), 200); err != nil {
		return err
	}
	if *read.ApplicationvndApiJSON200.Data.Attributes.Name != name {
		return fmt.Errorf("get: %s", read.Body)
	}

	renamed := "Round Trip / Renamed"
	var update stages.UpdateOpportunityStageApplicationVndAPIPlusJSONRequestBody
	update.Data.Type = "opportunityStage"
	update.Data.Id = stage.Id
	update.Data.Attributes = &stages.OpportunityStageWritableAttributes{Name: &renamed}
	updated, err := c.UpdateOpportunityStageWithApplicationVndAPIPlusJSONBodyWithResponse(ctx, id, nil, update)
	if err != nil {
		return err
	}
	if err := step("update", updated.StatusCode(), 200); err != nil {
		return fmt.Errorf("%w\n%s", err, updated.Body)
	}
	if got := updated.ApplicationvndApiJSON200.Data.Attributes; *got.Name != renamed || *got.Order != order {
		return fmt.Errorf("update: changed more or less than the name: %s", updated.Body)
	}

	deleted, err := c.DeleteOpportunityStageWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := step("delete", deleted.StatusCode(), 204); err != nil {
		return err
	}
	gone, err := c.GetOpportunityStageWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := step("get after delete", gone.StatusCode(), 404); err != nil {
		return err
	}
	fmt.Printf("%d exchanges round-tripped\n", exchanges)
	return nil
}
