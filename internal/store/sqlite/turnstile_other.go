//go:build !unix

package sqlite

import "os"

// No flock here: writers poll SQLite's lock alone.
func openTurnFile(storePath, path string) *os.File { return nil }
func tryTurn(*os.File) bool                        { return false }
func untryTurn(*os.File)                           {}
func turnBeat(*os.File) int64                      { return 0 }
func beatTurn(*os.File)                            {}
