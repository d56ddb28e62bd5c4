package mock

import "github.com/oppstages/oppstages/internal/smallfile"

// MaxSmallFileBytes bounds the files ReadSmallFile reads: 1 MiB.
const MaxSmallFileBytes = smallfile.Limit

// ReadSmallFile reads a small file that configures a server (a tokens file, an admin token
// file, a certificate or its key), as a command reads the files its flags name: path must
// be a regular file, or a symbolic link to one, of at most MaxSmallFileBytes. A device, a
// FIFO or a directory is refused at once, without reading from it, so that a mistaken
// path can neither hang start-up nor fill the memory.
func ReadSmallFile(path string) ([]byte, error) {
	return smallfile.Read(path, MaxSmallFileBytes)
}
