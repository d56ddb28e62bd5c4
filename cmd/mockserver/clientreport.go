package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oppstages/oppstages/mock"
)

// checkClientReport fails unless a report can be written at path when the server stops:
// path is no directory, and its directory exists and takes new files. It runs at start-up,
// so that a mistake is found before the tests run, not after.
func checkClientReport(path string) error {
	if path == "" {
		return nil
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("-client-report %s: is a directory; name a file in it", path)
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("-client-report %s: the directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("-client-report %s: the directory %s: %v", path, dir, cause(err))
	case !info.IsDir():
		return fmt.Errorf("-client-report %s: %s is not a directory", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".client-report-probe-*")
	if err != nil {
		return fmt.Errorf("-client-report %s: the directory %s is not writable: %v", path, dir, cause(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// writeClientReport replaces path, whole, with the default sandbox's client report: as
// JUnit XML when the name ends in .xml, as JSON (what GET /__admin/client-report answers)
// otherwise.
func writeClientReport(path string, srv *mock.Server) (mock.ClientReport, error) {
	box, err := srv.Sandbox("")
	if err != nil {
		return mock.ClientReport{}, err
	}
	report, err := box.SaveClientReport(path)
	if err != nil {
		return mock.ClientReport{}, fmt.Errorf("-client-report %s: %w", path, err)
	}
	return report, nil
}
