package oppstages

import "time"

// ResourceType is the JSON:API type of an opportunity stage.
const ResourceType = "opportunityStage"

// UserType is the JSON:API type of a stage's creator.
const UserType = "user"

// MaxID is the largest id a stage or user may have: 2^53-1, the largest integer that a
// JavaScript client (which reads every JSON number as a double) reads exactly.
const MaxID = 1<<53 - 1

// TimeFormat is the vendor's timestamp format: UTC with milliseconds and a Z.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Stage is one opportunity stage. Pointer attributes are nullable, as in the vendor's spec.
type Stage struct {
	ID        int64
	Name      *string
	Color     *string
	Order     *int64
	IsClosed  *bool
	CreatorID int64 // 0 when the stage has no creator
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StageAttributes are the attributes a client may write; a nil field is left as it is,
// and a field set to a nil value (see Set) becomes null.
type StageAttributes struct {
	Name     Optional[string]
	Color    Optional[string]
	Order    Optional[int64]
	IsClosed Optional[bool]
}

// Optional is a write to a nullable attribute: absent, set to null, or set to a value.
type Optional[T any] struct {
	Present bool
	Value   *T
}

// Set is an Optional holding v.
func Set[T any](v T) Optional[T] { return Optional[T]{Present: true, Value: &v} }

// Null is an Optional that writes null.
func Null[T any]() Optional[T] { return Optional[T]{Present: true} }

// Apply writes the present attributes onto s.
func (a StageAttributes) Apply(s *Stage) {
	if a.Name.Present {
		s.Name = a.Name.Value
	}
	if a.Color.Present {
		s.Color = a.Color.Value
	}
	if a.Order.Present {
		s.Order = a.Order.Value
	}
	if a.IsClosed.Present {
		s.IsClosed = a.IsClosed.Value
	}
}

// User is the creator of stages, trimmed to the attributes the mock serves.
type User struct {
	ID        int64
	FirstName string
	LastName  string
	Email     string
	Title     string
	Username  string
	Locked    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name is the user's full name, as the vendor derives it.
func (u User) Name() string { return u.FirstName + " " + u.LastName }

// Scope is an OAuth scope such as "opportunityStages.read".
type Scope string

// The scopes for this resource.
const (
	ScopeRead   Scope = "opportunityStages.read"
	ScopeWrite  Scope = "opportunityStages.write"
	ScopeDelete Scope = "opportunityStages.delete"
	ScopeAll    Scope = "opportunityStages.all"
)
