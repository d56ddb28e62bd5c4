package main

import (
	"os"
	"strings"
	"testing"
)

// The docs page "Other contract tools" gives each tool's command line as make interop runs
// it, with the pinned versions, and names why the documented failures cannot pass.
func TestREADMEGivesEachToolsCommand(t *testing.T) {
	readme, err := os.ReadFile("../../docs/other-tools.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if !strings.HasPrefix(section, "# Other contract tools\n") {
		t.Fatal("docs/other-tools.md does not open with its title, Other contract tools")
	}
	const root = "http://127.0.0.1:8080"
	for _, want := range []string{
		"npx " + dreddPkg + " " + oauthDoc + " " + root + " --hookfiles=" + dreddHooks + "\n",
		"npx " + dreddPkg + " " + apiDoc + " " + root + "/api/v2 --header 'Authorization: Bearer any-token'\n",
		"npx " + specmaticPkg + " test " + apiDoc + " --testBaseURL " + root + "/api/v2\n",
		"npx " + specmaticPkg + " test " + oauthDoc + " --testBaseURL " + root + "\n",
		"npx " + spectralPkg + " lint " + apiDoc + " " + oauthDoc + " " + adminDoc + "\n",
		"npx " + redoclyPkg + " lint " + apiDoc + " " + oauthDoc + " " + adminDoc + "\n",
		"npx " + prismPkg + " proxy " + apiDoc + " " + root + "/api/v2",
		"| oapi-codegen | " + strings.TrimPrefix(oapiCodegenPkg[strings.LastIndex(oapiCodegenPkg, "@")+1:], "v") + " |",
		"apiaryio/dredd#1908", "has no example or default value", "no hooks", "`[WIP]`",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("docs/other-tools.md lacks %q", want)
		}
	}
}
