package main

import (
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/upload"
)

// localUploads is the api role's POST /uploads and PUT /uploads/{id}
// (docs/cluster.md, "Large uploads"): the embedded mode's signed URLs on
// the server itself, with what must be shared in PostgreSQL. The token is
// signed under the ack key, which every api process reads from
// PostgreSQL, so the PUT of a URL one process handed out checks on any
// other (behind a load balancer); the used uploads are rows of the
// uploads table (postgres.Uploads), so a URL takes one body whichever
// process receives it, and an expired one is refused by the database's
// clock as well as by the process's. The body goes to the cluster's
// object store (S3 with --s3, else the shared Data/objects) and is
// ingested by the receiving process, as in the embedded mode: the
// communication's object is announced on the event log and the
// extraction role picks it up.
func (c *Cluster) localUploads() *upload.Local {
	return &upload.Local{
		Secret: c.PG.AckKey,
		Store:  c.Store,
		Claims: &postgres.Uploads{DB: c.PG, Logger: c.Logger.With(LogKeyComponent, "upload")},
	}
}
