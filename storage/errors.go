package storage

import "errors"

var (
	// ErrNotFound: the user or the record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrUserExists: CreateUser of a name that is taken.
	ErrUserExists = errors.New("storage: user exists")
	// ErrOfflineFull: the user's offline queue already holds its limit.
	ErrOfflineFull = errors.New("storage: offline queue full")
	// ErrInvalid: an argument the store cannot represent (empty name, NUL
	// byte, bad enum value, over-long name, malformed credentials).
	ErrInvalid = errors.New("storage: invalid argument")
	// ErrCorrupt: a stored record failed to decode.
	ErrCorrupt = errors.New("storage: corrupt record")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("storage: closed")
)
