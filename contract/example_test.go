package contract_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// Run checks any server; here, the mock over loopback, read-only list checks only.
func Example() {
	m, err := mock.New(mock.Options{Generate: 20})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	report, err := contract.Run(context.Background(), contract.Config{
		Target: srv.URL,
		Token:  "any-token",
		Mode:   contract.ReadOnly,
		Run:    "^list/sort/",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Summary())
	// Output: 13 passed, 0 failed
}
