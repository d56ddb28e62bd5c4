package mock

import "errors"

// Errors from the Sandbox methods (and so from the admin API, which calls them). Check
// them with errors.Is; an *InputError also says which field was wrong.
var (
	// ErrInvalid is the input being wrong: a bad fault rule, filter, setting, state
	// document or stage. The admin API answers 400.
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound is a fault rule id, or a stage id, that the sandbox does not hold. The
	// admin API answers 404.
	ErrNotFound = errors.New("not found")
	// ErrLimit is a limit reached: a sandbox already holding MaxFaults fault rules, stages
	// past MaxStages, or a rule, state or stages that MaxFaultBytesTotal or
	// MaxStateBytesTotal has no room for. The admin API answers 400.
	ErrLimit = errors.New("limit reached")
	// ErrNoStateFile is SaveState on a server started without a state file. The admin
	// API answers 409.
	ErrNoStateFile = errors.New("no state file: start the server with -state FILE")
)

// InputError says which field (a JSON member or query parameter) of an admin call was
// wrong and why. It matches ErrInvalid under errors.Is.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InputError) Is(target error) bool { return target == ErrInvalid }
