// Package dashboard is the Doc-Tales web dashboard: one page and its
// scripts and styles, embedded in the binary and served by the HTTP API at
// / and /ui/.
//
// The page is plain HTML, CSS and JavaScript modules, with no framework and
// no build step: what is in static/ is what the browser runs. It reads the
// API (GET /communications page by page, GET /people, GET /projects, GET
// /communications/{id} and its /log, GET /stats, GET /dlq) and follows the
// live stream (GET /notifications/stream with the "communication" and
// "notification" events), so new communications appear, extraction results
// fill in and high-priority notifications pop up without a reload.
//
// # Views
//
// Prioritizer (urgency and deadlines), Connector (people and
// organisations), Visualizer (boards by project) and Analyst (a sortable,
// filterable table of dimensions) follow the original system's four
// archetypes; the archetype is detected from the person's interactions and
// kept with GET/PUT /user-profile. An Operations page shows the flow with
// its rates, lag and dead letters, redrives dead letters and posts a
// communication by hand. docs/dashboard.md describes each.
//
// # Serving
//
// [New] returns the handler. Every answer carries a Content-Security-Policy
// that allows scripts, styles, images and connections from the same origin
// only, so the page cannot load anything from elsewhere; assets have an
// ETag and are revalidated on each load (Cache-Control: no-cache), so a new
// binary's page is never mixed with an old one's scripts.
package dashboard
