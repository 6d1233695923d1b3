# Meetings, webinars, reminders, schedule.

menu-schedule = My schedule
menu-events = Meetings and webinars

event-card =
    <b>{ $title }</b>
    🗓 { $when }
    Link: { $link }
event-card-no-link =
    <b>{ $title }</b>
    🗓 { $when }
reminder-in-minutes = Reminder: starts in { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
}
reminder-in-an-hour = Reminder: starts in an hour
reminder-today = Reminder: today at { $time }
reminder-tomorrow = Reminder: tomorrow at { $time }
reminder-in-days = Reminder: in { $days } { $days ->
    [one] day
   *[other] days
}
event-moved =
    🔁 <b>Moved:</b> { $title }
    Was: { $old }
    Now: { $when }
    Link: { $link }
event-moved-to =
    🔁 <b>Moved:</b> { $title }
    The new time: { $when }
    Link: { $link }
event-moved-answer-kept-yes = Your answer "{ rsvp-yes }" is kept. If the new time does not suit you, press "{ rsvp-no }".
event-moved-answer-kept-no = Your answer "{ rsvp-no }" is kept. If you can come now, press "{ rsvp-yes }".
event-cancelled = <b>Cancelled.</b>
rsvp-yes = I'll attend
rsvp-no = I can't
rsvp-saved = Answer saved: { $answer }

schedule-title = <b>My meetings and webinars for { $days } days</b>
schedule-empty = No meetings or webinars in the next { $days } days.
schedule-answer-yes = attending
schedule-answer-no = not attending
schedule-answer-none = no answer
button-ics-all = 📎 The whole schedule (.ics)

digest-title = <b>This week</b>
digest-footer = Turn the digest off: /me
digest-on = The weekly digest is on.
digest-off = The weekly digest is off. Meeting reminders will still come.
button-digest-on = Turn the digest on
button-digest-off = Turn the digest off

events-title = <b>Meetings and webinars for { $days } days</b>. Choose one to see the answers.
events-none = No events in the coming days.
button-new-webinar = ➕ New webinar
button-event-move = Move
button-event-cancel = Cancel
button-event-cancel-final = Yes, cancel it
button-event-report = Participants' answers
attendance-summary = Attending: { $coming }, not attending: { $not_coming }, no answer: { $silent }.
attendance-line = { $municipality }: attending { $coming }, not attending { $not_coming }, no answer { $silent }
attendance-no-municipality = Regional level / no municipality
attendance-silent = No answer: { $names }
event-move-ask = Type the new date and time: DD.MM.YYYY HH:MM (for example, 08.12.2026 10:00) or YYYY-MM-DD HH:MM.
event-move-done = ✅ Moved to { $when }. Participants will be told.
event-cancel-sure = Cancel "{ $title }" ({ $when })? Participants will be told.
event-cancel-done = ✅ Event cancelled, participants told.

webinar-ask-title = Type the webinar's title.
webinar-ask-date = Choose the date or type it: DD.MM.YYYY or YYYY-MM-DD. The time may follow: 20.12.2026 15:00.
button-today = Today
button-dates-earlier = ← Earlier
button-dates-later = More dates →
webinar-ask-time = Choose the time ({ $zone }) or type it as HH:MM.
webinar-ask-duration = How long is the webinar?
webinar-ask-link = Send the webinar's link (https://…).
webinar-ask-audience = Who is this webinar for? Only they will be reminded.
audience-all = All participants
audience-director = Directors
audience-curator = Curators
minutes = { $count } { $count ->
    [one] minute
   *[other] minutes
}
webinar-card =
    <b>Please check the webinar</b>
    { $title }
    🗓 { $when }, { $minutes } min.
    Link: { $link }
    For: { $audience }
button-webinar-create = ✅ Create the webinar
webinar-cancelled = Webinar creation cancelled.
webinar-created = ✅ Webinar "{ $title }" created.
reminder-offset-days = { $count ->
    [1] a day before
   *[other] { $count } days before
}
reminder-offset-hours = { $count ->
    [1] an hour before
   *[other] { $count } hours before
}
reminder-offset-minutes = { $count ->
    [one] { $count } minute before
   *[other] { $count } minutes before
}
reminder-plan-now = now
reminder-plan = { $count ->
    [one] Participants will get a reminder { $offsets }.
   *[other] Participants will get reminders { $offsets }.
}
reminder-plan-none = Webinar reminders are turned off in the bot's settings.
list-and = { $first } and { $last }

error-event-bad-time = The time must be HH:MM, for example 10:00.
error-event-bad-link = The link must start with http:// or https://.
error-event-bad-title = The title must have 3 to 300 characters.
error-event-bad-duration = The duration must be 10 to 600 minutes.
error-event-in-past = That time has passed. Choose a future date.
error-event-cancelled = This event has been cancelled.
error-event-started = The event has begun: the answer can no longer change.
error-event-unknown = Event not found.

cmd-schedule = My schedule

import-row-empty-title = the title is empty
import-row-bad-time = the time must be HH:MM
import-row-bad-date = the date must be DD.MM.YYYY
import-row-in-past = the date has passed
import-row-bad-link = the link must start with https://
import-row-bad-duration = the duration is a number of minutes from 10 to 600
import-row-bad-audience = unclear audience (for example "директора, Киришский, 500+")

button-unreachable = Who has blocked the bot
unreachable-title = <b>Blocked the bot: { $count }</b>. Reminders and announcements do not reach them; ask them to write to the bot again.
unreachable-none = Everyone in the municipality receives the bot's messages.

webinar-ask-materials = Send the webinar's materials as a file (it goes out with the reminders), or press "No materials".
button-no-materials = No materials

digest-survey = 📋 The questionnaire "{ $title }" is waiting for you, deadline: { $when }

## public holidays (the production calendar)
event-holiday = ⚠ public holiday, a day off: { $holiday }
holiday-question =
    ⚠ <b>An event on a public holiday</b>
    "{ $title }" is set for { $when }: { $holiday }.
    Please move or cancel it. Participants will be notified.
button-holiday-move = Move to { $when }
button-holiday-cancel = Cancel the event
button-holiday-keep = Keep it as it is
holiday-kept = The event stays on { $when }. Participants get no notice.
error-event-changed = The event has changed since, so this button no longer works. Its card is in /menu, "Meetings and webinars".

## the calendar feed
button-calendar-subscribe = 🔗 Subscribe in my calendar
calendar-feed =
    <b>Your calendar subscription</b>
    Add this link to Yandex Calendar, Google Calendar or Outlook as a calendar from a URL (a subscription):
    { $url }
    New events, moves and cancellations will appear in your calendar by themselves. The link is personal: do not forward it.
button-calendar-revoke = Revoke the link
calendar-feed-revoked = The link is revoked: calendars using it are no longer updated. Get a new link in /schedule.
calendar-feed-off = Calendar subscription is not available: the bot's administrator has not set it up.
button-materials = 📄 Materials: { $title }
event-materials = Materials of the webinar "{ $title }".
