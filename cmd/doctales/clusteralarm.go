package main

import (
	"context"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/runtime"
)

// Alarms in a cluster process (issue 11, docs/cluster.md "Alarms in a
// cluster"). Each process evaluates the configuration's alarms: rules on
// the figures it has, as the embedded mode evaluates them on its one
// pipeline: its own subscriptions' iterator age, records in flight,
// invocations, errors, dead-lettered records and open circuits (a worker's
// share of its role, partition by partition; an api process's live
// subscriptions), and the dead letters waiting in PostgreSQL, which every
// process reads alike. The states are in the process's /stats ("alarms",
// as the embedded /stats has them) and the names of those in ALARM in its
// /readyz, so that `doctales status --postgres` lists them per process.
//
// A change of state is logged by the process (a Warn line when an alarm
// fires, Info when it clears, naming the alarm, its value and threshold),
// not published to the alarms topic as the embedded mode does: the
// topic's subscribers would receive one message per process for a
// cluster-wide condition (the dead letters waiting, a stream every
// partition falls behind on), N copies for N processes. A cluster's alarm
// notifications are left to the monitoring that scrapes each process's
// /metrics (docs/cluster.md, "What is left").

// openAlarms builds the evaluator of the configuration's alarms over this
// process's figures; with no rule (alarms: [] in the YAML) there is none.
// Start starts it, Close stops it.
func (c *Cluster) openAlarms() {
	if len(c.Config.Alarms) == 0 {
		return
	}
	c.Alarms = &alarm.Evaluator{
		Rules:    c.Config.Alarms,
		Sample:   c.alarmSample,
		Topic:    loggedAlarms{},
		Interval: c.Config.AlarmInterval,
		Logger:   c.Logger.With(LogKeyComponent, "alarm", "role", c.Role, "partition", c.Partition.String()),
	}
}

// alarmSample reads this process's subscriptions (none for an api process
// without a runtime) and the cluster's dead letters waiting.
func (c *Cluster) alarmSample(ctx context.Context) (alarm.Sample, error) {
	counts, err := c.PG.DeadLetterCounts(ctx)
	if err != nil {
		return alarm.Sample{}, err
	}
	s := alarm.Sample{Subscriptions: map[string]alarm.SubscriptionSample{}}
	for _, n := range counts {
		s.DeadLetters += float64(n)
	}
	if c.Runtime != nil {
		for _, rs := range c.Runtime.Stats() {
			s.Subscriptions[rs.Name] = alarm.SubscriptionSample{
				IteratorAge: rs.IteratorAge, InFlight: rs.InFlight, Errors: rs.Errors,
				DeadLettered: rs.DeadLettered, Invocations: rs.Invocations,
				CircuitOpen: rs.Circuit != nil && rs.Circuit.State == runtime.CircuitOpen,
			}
		}
	}
	return s, nil
}

// alarmStates is the alarms' states for /stats, ALARM first; [] with
// none.
func (c *Cluster) alarmStates() []alarm.State {
	if c.Alarms == nil {
		return []alarm.State{}
	}
	ss := nonNil(c.Alarms.States())
	alarm.SortStates(ss)
	return ss
}

// alarmsFiring names the alarms in ALARM, for /readyz.
func (c *Cluster) alarmsFiring() []string {
	var names []string
	for _, st := range c.alarmStates() {
		if st.Alarm {
			names = append(names, st.Rule.Name)
		}
	}
	return names
}

// loggedAlarms is the alarms' topic of a cluster process: it publishes
// nothing (the evaluator logs each change of state once it is
// "published"), so that a condition every process sees is not sent to the
// topic's subscribers once per process.
type loggedAlarms struct{}

// Publish drops m.
func (loggedAlarms) Publish(context.Context, *doctales.Message) error { return nil }
