package api

// RepoPurged is the answer to a purge: the repository's objects, loose
// and packed, before and after.
type RepoPurged struct {
	Repo          string `json:"repo"`
	ObjectsBefore int64  `json:"objects_before"`
	ObjectsAfter  int64  `json:"objects_after"`
}
