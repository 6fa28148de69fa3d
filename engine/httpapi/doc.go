// Package httpapi is the provisioning API a web portal uses to manage
// xmppd's users and contact lists over HTTP (JSON), mounted at /api on the
// admin listener.
//
// Resources (all under /api/v1):
//
//	POST   /users                        {user, password}          create an account
//	GET    /users?after=&limit=          page through accounts
//	GET    /users/{user}                 one account
//	DELETE /users/{user}                 delete it (its streams end)
//	PUT    /users/{user}/password        {password}
//	GET    /users/{user}/roster          the roster and its version
//	PUT    /users/{user}/roster          {items: [...]} replace it whole (bulk import)
//	POST   /users/{user}/roster          {jid, name, groups, subscription} add or update one item
//	DELETE /users/{user}/roster/{jid}    remove one item
//	GET    /users/{user}/sessions        online resources
//	DELETE /users/{user}/sessions        kick them (?resource= for one)
//	GET    /users/{user}/presence        current presence
//	POST   /messages                     {from, to, type, subject, body}
//	POST   /broadcast                    {from, type, subject, body} to everyone online
//	GET    /stats                        counters
//
// Roster changes behave as if the users had made them: online resources
// get roster pushes and presence flows where the new subscriptions allow
// it. Errors are JSON, {"error": {"code": "...", "message": "..."}}, with a
// stable code; bad input is a 4xx, never a 500. docs/openapi.yaml describes
// the same API and a test keeps the two in step.
//
// Handlers block on storage; fasthttp runs each on its own goroutine.
package httpapi
