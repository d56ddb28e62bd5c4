package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// startupLine is the line start-up prints: the address the server listens on (with the
// port the system chose for -addr HOST:0, which a script reads from here), the public URL
// when -base-url names another, how many stages it serves from which seed, and who may use
// the admin API.
func startupLine(listenURL, baseURL string, stages int, seed uint64, admin string) string {
	where := listenURL
	if public := strings.TrimSuffix(baseURL, "/"); public != "" && public != listenURL {
		where += ", public URL " + public + ","
	}
	return fmt.Sprintf("mockserver listening on %s with %d stages (seed %d); %s", where, stages, seed, admin)
}

// adminAccess says who may use the admin API: anyone with the admin token, anyone who can
// reach the address, or, without a token on a loopback address, this machine only.
func adminAccess(c config, openToNetwork bool) string {
	switch {
	case c.adminToken != "":
		return "the admin API wants the admin token"
	case openToNetwork:
		return "the admin API is open to the network (-admin-open without -admin-token)"
	}
	return "the admin API is open to this machine only (loopback, no -admin-token)"
}

// usage prints what -h shows.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `Usage: mockserver [flags]

Serves a mock of the Outreach REST API's opportunity stages (/api/v2/opportunityStages)
and its admin API (/__admin/) on -addr, until SIGINT or SIGTERM.

Every flag can also be set in the environment as MOCKSERVER_<FLAG>, upper case with "-"
as "_", for example MOCKSERVER_ADDR=0.0.0.0:8080 or MOCKSERVER_ADMIN_TOKEN=secret; a flag
on the command line wins.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
