package mock

import (
	"errors"
	"fmt"

	"github.com/oppstages/oppstages/internal/statefile"
	"github.com/oppstages/oppstages/internal/store"
)

// Errors from New about Options.StateFile. Check them with errors.Is.
var (
	// ErrStateFile is matched by every error New returns because of StateFile: a place
	// that cannot hold the file, a file or log that cannot be read or replayed, and the
	// two below.
	ErrStateFile = errors.New("state file")
	// ErrStateInUse is a state file another server holds (in this process or another).
	ErrStateInUse = errors.New("state file in use")
	// ErrStateDamaged is a write log damaged before its end, which no crash leaves:
	// StateRepair starts from the writes before the damage.
	ErrStateDamaged = errors.New("state log damaged")
)

// stateFileError is an error of New caused by StateFile; it reads as the error it wraps.
type stateFileError struct{ err error }

func (e *stateFileError) Error() string { return e.err.Error() }
func (e *stateFileError) Unwrap() error { return e.err }

// Is makes errors.Is match ErrStateFile always, ErrStateInUse and ErrStateDamaged when
// they are the cause.
func (e *stateFileError) Is(target error) bool {
	switch target {
	case ErrStateFile:
		return true
	case ErrStateInUse:
		return errors.Is(e.err, statefile.ErrInUse)
	case ErrStateDamaged:
		_, damaged := errors.AsType[*statefile.DamagedError](e.err)
		return damaged
	}
	return false
}

// openDurableState opens the state file for the default sandbox (see statefile.Open),
// starting from seed when there is no file yet.
func openDurableState(opts Options, seed *store.Store) (*store.Store, *statefile.File, error) {
	st, file, err := statefile.Open(opts.StateFile, seed, statefile.Options{
		Repair: opts.StateRepair,
		MaxLog: opts.MaxStateLogBytes,
		Logger: opts.Logger,
	})
	if damage, ok := errors.AsType[*statefile.DamagedError](err); ok {
		err = fmt.Errorf("%w. StateRepair (-state-repair) starts anyway: it keeps the writes before byte %d and moves the rest to %s", err, damage.Offset, damage.Aside())
	}
	if err != nil {
		return nil, nil, &stateFileError{err}
	}
	return st, file, nil
}
