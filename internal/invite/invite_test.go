package invite

import (
	"strings"
	"testing"
	"time"
)

// outlook is the shape Exchange sends: CRLF lines, a Windows TZID, its
// VTIMEZONE, METHOD:REQUEST.
const outlook = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
	"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nORGANIZER;CN=Anke Vogel:mailto:anke@example.de\r\nSUMMARY;LANGUAGE=de-DE:Abstimmung Q1\r\nDTSTART;TZID=W. Europe Standard Time:20261210T140000\r\n" +
	"DTEND;TZID=W. Europe Standard Time:20261210T150000\r\nUID:040000008200E00074C5B7101A82E008\r\nDTSTAMP:20261204T091500Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestParse(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		name, data string
		method     string
		start      time.Time
		allDay     bool
		err        string
	}{
		{name: "OutlookWindowsZone", data: outlook, method: MethodRequest, start: time.Date(2026, 12, 10, 14, 0, 0, 0, berlin)},
		{name: "UTC", data: "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:CANCEL\nBEGIN:VEVENT\nUID:1\nDTSTART:20261210T130000Z\nEND:VEVENT\nEND:VCALENDAR\n",
			method: MethodCancel, start: time.Date(2026, 12, 10, 13, 0, 0, 0, time.UTC)},
		{name: "IANAZone", data: "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:1\nDTSTART;TZID=Europe/Berlin:20261210T090000\nEND:VEVENT\nEND:VCALENDAR\n",
			method: MethodRequest, start: time.Date(2026, 12, 10, 9, 0, 0, 0, berlin)},
		{name: "UnknownZoneFromVTIMEZONE", data: strings.ReplaceAll(outlook, "W. Europe Standard Time", "Customized Time Zone"), method: MethodRequest,
			start: time.Date(2026, 12, 10, 14, 0, 0, 0, time.FixedZone("", 3600))},
		{name: "FloatingIsTheMessagesZone", data: "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nDTSTART:20261210T090000\nEND:VEVENT\nEND:VCALENDAR\n",
			start: time.Date(2026, 12, 10, 9, 0, 0, 0, time.FixedZone("", -5*3600))},
		{name: "AllDay", data: "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:PUBLISH\nBEGIN:VEVENT\nUID:1\nDTSTART;VALUE=DATE:20261224\nEND:VEVENT\nEND:VCALENDAR\n",
			method: MethodPublish, start: time.Date(2026, 12, 24, 0, 0, 0, 0, time.FixedZone("", -5*3600)), allDay: true},
		{name: "NoEvent", data: "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", err: "no event"},
		{name: "NotICalendar", data: "hello", err: "invite:"},
		{name: "HostileZone", data: "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nDTSTART;TZID=../../../etc/passwd:20261210T090000\nEND:VEVENT\nEND:VCALENDAR\n",
			start: time.Date(2026, 12, 10, 9, 0, 0, 0, time.FixedZone("", -5*3600))},
		{name: "TooLarge", data: "BEGIN:VCALENDAR\n" + strings.Repeat("X-PAD:0123456789\n", MaxBytes/16), err: "the limit is 262144"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse([]byte(tt.data), time.FixedZone("", -5*3600))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if inv.Method != tt.method || !inv.Start.Equal(tt.start) || inv.AllDay != tt.allDay {
				t.Fatalf("got %s %s allDay=%v, want %s %s allDay=%v", inv.Method, inv.Start, inv.AllDay, tt.method, tt.start, tt.allDay)
			}
		})
	}
}

// FuzzParse: no input makes Parse panic, and a start it returns is a real
// instant.
func FuzzParse(f *testing.F) {
	f.Add([]byte(outlook))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=\"x\":20261210T090000\nEND:VEVENT\nEND:VCALENDAR\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\n BEGIN:VEVENT\r\nDTSTART:1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse(data, time.UTC)
		if err == nil && inv.Start.IsZero() {
			t.Fatalf("no error and no start for %q", data)
		}
	})
}
