# Announcements.

menu-broadcasts = Announcements
button-new-broadcast = ✉ New announcement
broadcast-history = <b>Announcements</b>. Choose one to see delivery and answers.
broadcast-history-empty = No announcements yet.

broadcast-ask-content = Send the announcement's text (formatting is kept). You may attach a document or a photo with a caption.
broadcast-ask-audience = Whom is the announcement for?
audience-municipal_coordinator = Municipal coordinators
audience-municipality = Participants of one municipality
audience-programme = Schools of one programme
audience-declined = Those who answered "I can't" to an event
broadcast-choose-programme = Choose the programme.
broadcast-choose-event = Choose the event.
broadcast-audience-size = Recipients: { $count }.
broadcast-ask-acknowledge = Add an "Acknowledged" button to see who has read it?
button-yes = Yes
button-no = No
broadcast-ask-when = When to send it? Press "Now" or type the date and time: DD.MM.YYYY HH:MM.
button-send-now = Now
broadcast-preview = This is how recipients will see it:
broadcast-confirm = Recipients: { $count }. Sending: { $when }. Send it?
button-broadcast-send = ✅ Send
broadcast-discarded = The announcement was not sent.

broadcast-sending =
    ✉ Sending the announcement
    { $bar } { $done } of { $total }
    Delivered: { $sent }, blocked the bot: { $blocked }, errors: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , unconfirmed: { $ambiguous }
    }, left: { $left }
broadcast-done =
    ✅ Announcement sent
    Delivered: { $sent } of { $total }, blocked the bot: { $blocked }, errors: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , unconfirmed: { $ambiguous }
    }
    Acknowledged: { $acknowledged }
broadcast-cancelled =
    Sending stopped
    Delivered: { $sent } of { $total }, not sent: { $withdrawn }, blocked the bot: { $blocked }, errors: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , unconfirmed: { $ambiguous }
    }{ $left ->
        [0] {""}
       *[other] , still going out: { $left }
    }
button-broadcast-cancel = Stop sending
button-broadcast-who = Who has not received or acknowledged
broadcast-reminder-lead = <b>Reminder.</b> Please read the announcement and press "{ button-acknowledge }".
button-broadcast-remind = Remind those who have not acknowledged
button-broadcast-xlsx = 📎 Recipients (Excel)
broadcast-waiting-title = <b>Not yet acknowledged or not received: { $count }</b>
broadcast-not-acknowledged = not acknowledged
broadcast-everyone-done = Everyone has received the announcement and acknowledged it.
broadcast-more = …and { $count } more
broadcast-reminded = { $count ->
    [0] Nobody to remind: everyone has answered or acknowledged.
    [one] The reminder will go to { $count } recipient.
   *[other] The reminder will go to { $count } recipients.
}
reminder-repeat-ask = The last reminder went { $when }. Send another one?
reminder-already-sent = This reminder already went { $when }.
button-reminder-repeat = Send again
when-yesterday = yesterday at { $time }
when-today = today at { $time }

button-acknowledge = Acknowledged
button-acknowledged = Acknowledged
broadcast-acknowledged = Thank you, noted.

broadcast-sheet-recipients = Recipients
broadcast-col-name = Full name
broadcast-col-role = Role
broadcast-col-municipality = Municipality
broadcast-col-school = School
broadcast-col-delivery = Delivery
broadcast-col-acknowledged = Acknowledged

delivery-pending = waiting
delivery-sending = being sent
delivery-sent = delivered
delivery-failed = delivery error
delivery-blocked = blocked the bot
delivery-dropped = not sent
delivery-ambiguous = unconfirmed

error-broadcast-bad-text = The announcement needs text (up to 4000 characters).
error-broadcast-nobody = The chosen audience has no recipients.
error-broadcast-unknown = Announcement not found.
error-broadcast-finished = Sending has already finished.
error-broadcast-no-acknowledgement = This announcement has no "Acknowledged" button.
error-audience-schools-elsewhere = The schools { $codes } are not in your municipality. Send the codes of your municipality's schools.
error-broadcast-preview = This is a preview: recipients will see the button like this. Their “Acknowledged” marks appear once they press it.

audience-schools = Particular schools
broadcast-ask-schools = Type the school codes separated by commas, for example: 47001, 47002.
broadcast-unknown-schools = No schools with the codes: { $codes }. Check them and send again.

audience-unsubmitted = Those who have not submitted a questionnaire
broadcast-choose-survey = Choose the survey.

button-broadcast-resend = 🔁 Send again ({ $count })
broadcast-ambiguous-explained = { $count ->
    [one] { $count } message is unconfirmed: the bot was restarted while sending it, and whether it arrived is unknown. It can be sent again; someone may get it twice.
   *[other] { $count } messages are unconfirmed: the bot was restarted while sending them, and whether they arrived is unknown. They can be sent again; someone may get them twice.
}
broadcast-resent = { $count ->
    [one] { $count } message will be sent again.
   *[other] { $count } messages will be sent again.
}
broadcast-nothing-to-resend = Nothing to send again: no errors and no unconfirmed messages.
error-broadcast-cancelled = Sending of this announcement was stopped; it cannot be sent again. Create a new announcement from the menu: /menu
