package mock_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/oppstages/oppstages/mock"
)

// A mock is a value: build it, then serve its Handler, here without a socket.
func Example() {
	srv, err := mock.New(mock.Options{BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("GET", "/api/v2/opportunityStages/7?fields%5BopportunityStage%5D=name,isClosed", nil)
	req.Header.Set("Authorization", "Bearer any-token")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 {"data":{"type":"opportunityStage","id":7,"attributes":{"isClosed":true,"name":"Closed Won"},"links":{"self":"http://127.0.0.1:8080/api/v2/opportunityStages/7"}}}
}
