package mock_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/mock"
)

// A server seeded with typed stages and users instead of the fixtures, read back through
// the API with the in-memory client.
func ExampleOptions_stages() {
	name, order := "Discovery", int64(1)
	srv, err := mock.New(mock.Options{
		BaseURL: "http://127.0.0.1:8080",
		Users:   []oppstages.User{{ID: 7, FirstName: "Ada", LastName: "Lovelace"}},
		Stages:  []oppstages.Stage{{ID: 12, Name: &name, Order: &order, CreatorID: 7, CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}},
	})
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/api/v2/opportunityStages/12?fields%5BopportunityStage%5D=name,order,createdAt", nil)
	req.Header.Set("Authorization", "Bearer any-token")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(srv.Len(), resp.StatusCode, string(body))
	// Output: 1 200 {"data":{"type":"opportunityStage","id":12,"attributes":{"createdAt":"2025-01-02T03:04:05.000Z","name":"Discovery","order":1},"links":{"self":"http://127.0.0.1:8080/api/v2/opportunityStages/12"}}}
}

// Put creates or replaces stages as Go values, checked as the API checks a create; Stage
// and List read them back.
func ExampleSandbox_Put() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	sb, _ := srv.Sandbox("ci")
	won, lost := "Won", "Lost"
	if err := sb.Put(oppstages.Stage{ID: 7, Name: &won}, oppstages.Stage{ID: 100, Name: &lost}); err != nil {
		panic(err)
	}
	st, _ := sb.Stage(100)
	fmt.Println(*st.Name, sb.Len())
	for _, st := range sb.List()[5:] {
		fmt.Println(st.ID, *st.Name)
	}

	tooLong := strings.Repeat("x", 300)
	err = sb.Put(oppstages.Stage{ID: 101, Name: &tooLong})
	fmt.Println(errors.Is(err, mock.ErrInvalid), err)
	// Output:
	// Lost 9
	// 6 Negotiation
	// 7 Won
	// 8 Closed Lost
	// 100 Lost
	// true stage 101: Name: Name is too long (maximum is 255 characters).
}

// A stage the sandbox does not hold is ErrNotFound.
func ExampleSandbox_Stage() {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		panic(err)
	}
	sb, _ := srv.Sandbox("")
	_, err = sb.Stage(404)
	fmt.Println(errors.Is(err, mock.ErrNotFound), err)
	// Output: true stage 404: not found
}
