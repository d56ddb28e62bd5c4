package oppstages

// The operationIds of openapi.yaml and oauth.yaml. The mock dispatches on them and the code around the
// upstream names operations by them, so that renaming one in the contract breaks the
// build or the mock's start, never a request.
const (
	OpGetAPIRoot             = "getApiRoot"
	OpListOpportunityStages  = "listOpportunityStages"
	OpCreateOpportunityStage = "createOpportunityStage"
	OpGetOpportunityStage    = "getOpportunityStage"
	OpUpdateOpportunityStage = "updateOpportunityStage"
	OpDeleteOpportunityStage = "deleteOpportunityStage"
	OpGetUser                = "getUser"
	// OpListOpportunities is the list each stage's opportunities relationship links to;
	// the mock keeps no opportunities and answers it empty.
	OpListOpportunities = "listOpportunities"
	// OpAuthorize and OpCreateToken are the authorization server's (oauth.yaml), not the
	// API's.
	OpAuthorize   = "authorize"
	OpCreateToken = "createToken"
)
