package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
)

// The mock every tool gets is the mockserver binary built from the repository and started
// as make run starts it, its address read from its start-up line; settings in the
// environment do not reach it, and Close ends it.
func TestStartMock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ./cmd/mockserver")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MOCKSERVER_SKU_DISABLED", "true") // would answer every API request 403
	e := &env{repo: repo, dir: t.TempDir(), stderr: io.Discard}
	m, err := e.startMock(context.Background(), "a tool")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, m.URL+"/api/v2/opportunityStages/5", nil)
	req.Header.Set("Authorization", "Bearer any-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	var doc struct {
		Data struct {
			Attributes struct{ Name string } `json:"attributes"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || doc.Data.Attributes.Name != "Proposal" {
		t.Errorf("stage 5: %d, %q (%v); want the default seed's Proposal", resp.StatusCode, doc.Data.Attributes.Name, err)
	}
	m.Close()
	if _, err := http.Get(m.URL + "/__admin/health"); err == nil {
		t.Error("the mock still answers after Close")
	}
}

func TestWithoutMockserverSettings(t *testing.T) {
	got := withoutMockserverSettings([]string{"PATH=/bin", "MOCKSERVER_SEED=42", "HOME=/h", "MOCKSERVER_ADDR=0.0.0.0:80"})
	if want := []string{"PATH=/bin", "HOME=/h"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
