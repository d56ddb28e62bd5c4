package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
)

// delay waits for the latency setting plus X-Mock-Delay.
func (s *Server) delay(x *exchange) *response {
	var d time.Duration
	if l := x.box.currentSettings().Latency; l.Max > 0 {
		d = time.Duration(x.box.latency(l))
	}
	if raw := x.r.Header.Get("X-Mock-Delay"); raw != "" {
		extra, err := time.ParseDuration(raw)
		if err != nil || extra < 0 || extra > MaxDelay {
			resp := fail(oppstages.Errorf(oppstages.CodeMockBadHeader, "X-Mock-Delay must be a duration from 0 to %s, such as 250ms.", MaxDelay))
			return &resp
		}
		d += extra
	}
	sleep(x.r.Context(), min(d, MaxDelay))
	return nil
}

// errorRate answers a random documented 5xx as often as the error-rate setting says.
func (s *Server) errorRate(x *exchange) *response {
	rate := x.box.currentSettings().ErrorRate
	if x.match == nil || rate <= 0 || x.box.float() >= rate {
		return nil
	}
	fives := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
	status := fives[x.box.intN(len(fives))]
	x.fault = "error-rate " + itoa(int64(status))
	resp := s.errorForStatus(x, status)
	return &resp
}

// Settings are the per-sandbox switches that can change while the server runs, through
// PATCH /__admin/settings.
type Settings struct {
	// SKUDisabled answers every API request with the disabled-SKU 403.
	SKUDisabled bool `json:"skuDisabled"`
	// RateLimit is requests per token per RateWindow; 0 turns enforcement off.
	RateLimit int `json:"rateLimit"`
	// RateWindow is the length of a rate-limit window.
	RateWindow Duration `json:"rateWindow"`
	// Latency is added to every API request.
	Latency Latency `json:"latency"`
	// ErrorRate is the fraction of API requests answered with a random documented 5xx.
	ErrorRate float64 `json:"errorRate"`
}

// check returns an *InputError naming the first setting out of range.
func (s Settings) check() error {
	switch {
	case s.RateLimit < 0:
		return &InputError{Field: "rateLimit", Reason: "must not be negative"}
	case s.RateWindow.D <= 0:
		return &InputError{Field: "rateWindow", Reason: "must be positive"}
	case !(s.ErrorRate >= 0 && s.ErrorRate <= 1):
		return &InputError{Field: "errorRate", Reason: "must be between 0 and 1"}
	case s.Latency.Min < 0 || s.Latency.Max < s.Latency.Min || s.Latency.Max > MaxDelay:
		return &InputError{Field: "latency", Reason: fmt.Sprintf("want 0 <= min <= max <= %s", MaxDelay)}
	}
	return nil
}

// SettingsPatch is a partial update of Settings, the body of PATCH /__admin/settings;
// nil members stay as they are.
type SettingsPatch struct {
	SKUDisabled *bool     `json:"skuDisabled"`
	RateLimit   *int      `json:"rateLimit"`
	RateWindow  *Duration `json:"rateWindow"`
	Latency     *Latency  `json:"latency"`
	ErrorRate   *float64  `json:"errorRate"`
}

func (p SettingsPatch) apply(s Settings) Settings {
	if p.SKUDisabled != nil {
		s.SKUDisabled = *p.SKUDisabled
	}
	if p.RateLimit != nil {
		s.RateLimit = *p.RateLimit
	}
	if p.RateWindow != nil {
		s.RateWindow = *p.RateWindow
	}
	if p.Latency != nil {
		s.Latency = *p.Latency
	}
	if p.ErrorRate != nil {
		s.ErrorRate = *p.ErrorRate
	}
	return s
}

// Duration is a time.Duration written as a string such as "250ms" in JSON.
type Duration struct{ D time.Duration }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.D.String()) }

// UnmarshalJSON reads a string such as "250ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"250ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration such as \"250ms\"", s)
	}
	d.D = v
	return nil
}

// MaxDelay bounds each delay the mock adds (latency plus X-Mock-Delay, and a fault rule's
// delay), so that no setting can hang a client or outlast the server's write timeout.
const MaxDelay = 30 * time.Second

// Latency is a fixed delay ("50ms") or a range drawn uniformly ("20ms-200ms").
type Latency struct{ Min, Max time.Duration }

// ParseLatency reads "", "0", "50ms" or "20ms-200ms".
func ParseLatency(s string) (Latency, error) {
	if s == "" || s == "0" {
		return Latency{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Latency{}, fmt.Errorf("latency %q: want a duration such as 50ms or a range such as 20ms-200ms", s)
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Latency{}, fmt.Errorf("latency %q: want a duration such as 50ms or a range such as 20ms-200ms", s)
		}
	}
	if min < 0 || max < min || max > MaxDelay {
		return Latency{}, fmt.Errorf("latency %q: want 0 <= min <= max <= %s", s, MaxDelay)
	}
	return Latency{Min: min, Max: max}, nil
}

func (l Latency) String() string {
	switch {
	case l.Max == 0:
		return "0"
	case l.Min == l.Max:
		return l.Min.String()
	}
	return l.Min.String() + "-" + l.Max.String()
}

// draw picks a delay from the latency with rng.
func (l Latency) draw(rng *rand.Rand) time.Duration {
	if l.Max <= l.Min {
		return l.Min
	}
	return l.Min + time.Duration(rng.Int64N(int64(l.Max-l.Min)+1))
}

// MarshalJSON writes the latency as its string form.
func (l Latency) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON reads the string form.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("latency is a string such as \"50ms\" or \"20ms-200ms\"")
	}
	v, err := ParseLatency(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// sleep waits for d or until the client goes away.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
