package doctales

// Dimensions of an item counter (the item_counts table of packages sqlite
// and postgres): how many items an owner has in all (CountAll) and by each
// value of the columns a list filters on with an equality. The values are
// stored in both tables' dim column.
const (
	CountAll     = ""
	CountProject = "project"
	CountType    = "type"
	CountUrgency = "urgency"
	CountStatus  = "status"
	CountState   = "state"
)

// CountedBy returns the item counter's dimension and value that answer a
// count of the items f selects, and ok false when a counter cannot: when
// f sets more than one of project, type, urgency, status and state, or
// any of sender, since and until (which the counters do not split by), or
// a state whose items depend on the clock other than open (a running
// snooze: the tables count those through an index, they are few). Open is
// the empty stored state plus the snoozes that have ended, which the
// caller adds. Limit, Cursor and the order do not change a count. One rule
// for every table, so that a list's total means the same on each.
func (f ItemFilter) CountedBy() (dim, value string, ok bool) {
	set := func(p *string) bool { return p != nil && *p != "" }
	if set(f.Sender) || f.Since != nil || f.Until != nil {
		return "", "", false
	}
	dim = CountAll
	for _, c := range []struct {
		dim   string
		value *string
	}{
		{CountProject, f.Project},
		{CountType, f.Type},
		{CountUrgency, f.Urgency},
		{CountStatus, f.Status},
		{CountState, f.State},
	} {
		if !set(c.value) {
			continue
		}
		if dim != CountAll {
			return "", "", false // two filters: count the rows
		}
		dim, value = c.dim, *c.value
	}
	if dim == CountState {
		switch value {
		case StateOpen:
			value = "" // stored as ''
		case StateDone, StateWaiting:
		default:
			// Snoozed depends on the clock; anything else is refused by
			// the tables' filters, with the field named.
			return "", "", false
		}
	}
	return dim, value, true
}
