package storage

import "github.com/jitgit/jitgit/auth"

// Repos are the repository records, keyed by canonical name.
type Repos interface {
	// Create stores a new repository record.
	Create(r auth.Repo) error
	// Get returns the repository called name.
	Get(name string) (auth.Repo, error)
	// Update replaces the stored repository of the same name.
	Update(r auth.Repo) error
	// List returns every repository, sorted by name.
	List() ([]auth.Repo, error)
	// Delete removes the record of the repository called name, which must
	// exist. Grants, policies and audit events naming it stay.
	Delete(name string) error
}

// Grants are the grants, keyed by id and indexed by subject for
// Store.GrantsFor. Ended grants stay on record.
type Grants interface {
	// Create stores a new grant and indexes it under its subject, which
	// must not contain '/'.
	Create(g auth.Grant) error
	// Get returns the grant id, ended or not.
	Get(id string) (auth.Grant, error)
	// Update replaces the stored grant of the same id and moves its index
	// entry when the subject changed.
	Update(g auth.Grant) error
	// List returns every grant, newest first, ended ones included.
	List() ([]auth.Grant, error)
	// ListOpen returns the grants whose end is not on the record (EndedBy
	// empty: neither ended early nor recorded as expired), newest first,
	// reading only those: the sweepers look for the few running among
	// every grant ever made.
	ListOpen() ([]auth.Grant, error)
	// Page returns at most limit grants (limit > 0) whose ids sort after
	// after as byte strings (from the first when after is empty), in that
	// ascending id order, ended ones included, reading only those. A
	// listing that passes the last id of each page as the next after sees
	// every grant that existed when it began exactly once, whatever is
	// created meanwhile; a grant created meanwhile may or may not be seen.
	// It guards nothing in an Update.
	Page(after string, limit int) ([]auth.Grant, error)
}

// Policies are the standing policies, keyed by id and indexed by each of
// their subjects for Store.PoliciesFor.
type Policies interface {
	// Put stores p, replacing any policy with its id.
	Put(p auth.Policy) error
	// Delete removes the policy id.
	Delete(id string) error
	// List returns every policy, sorted by id.
	List() ([]auth.Policy, error)
}

// Requests are the access requests, keyed by id.
type Requests interface {
	// Create stores a new request.
	Create(r auth.Request) error
	// Get returns the request id.
	Get(id string) (auth.Request, error)
	// Update replaces the stored request of the same id; its requester
	// cannot change.
	Update(r auth.Request) error
	// List returns every request, newest first.
	List() ([]auth.Request, error)
	// ListBy returns the requests of requester, newest first. In an Update
	// it conflicts with a request of requester created meanwhile, so that
	// checking a user's open requests and filing a new one is serialised
	// per user; unlike List, it need not conflict with other users' new
	// requests.
	ListBy(requester string) ([]auth.Request, error)
	// ListStatus returns the requests in status, newest first, reading
	// only those: the sweeper and the approvers' queue ask for the pending
	// few among every request ever filed. In an Update it conflicts with a
	// request that enters the status meanwhile.
	ListStatus(status auth.RequestStatus) ([]auth.Request, error)
	// Scan calls fn with every request, in no promised order, one at a
	// time, until fn returns false: a page of requests is chosen from it
	// in memory of the page's size. In an Update it guards nothing; it is
	// for showing requests, not for checks before a write.
	Scan(fn func(auth.Request) bool) error
	// Page returns at most limit requests with ids after after, in
	// ascending id order, starting from after rather than reading the
	// requests before it: a listing of every request ever filed walks it
	// in memory of a page. limit must be positive. In an Update it guards
	// nothing, as Scan.
	Page(after string, limit int) ([]auth.Request, error)
}

// Protections are the protection rules of refs, keyed by id; Store.ProtectionsFor
// reads them for the decision.
type Protections interface {
	// Put stores p, replacing any rule with its id.
	Put(p auth.Protection) error
	// Delete removes the rule id.
	Delete(id string) error
	// List returns every rule, sorted by id.
	List() ([]auth.Protection, error)
}
