# Registration, roles, the school directory, coordinators' tools.

## Roles
role-director = school director
role-curator = curator
role-municipal_coordinator = municipal coordinator
role-regional_coordinator = regional coordinator
role-admin = administrator
role-none = none

## Buttons
button-menu = ↩ Main menu
button-consent-accept = I agree
button-consent-decline = I do not agree
button-confirm = ✅ All correct
button-start-over = Start over
button-previous = ◀ Back
button-next = Next ▶
button-approve = ✅ Approve
button-reject = Reject
button-change-name = Change my name
button-forget = Delete my data
button-forget-final = Yes, delete for good
button-keep = Cancel
button-revoke = Revoke access: { $name }
button-revoke-final = Yes, revoke access
button-assign-curator = Assign a curator
button-invite-school = For one school
button-invite-municipality = For the whole municipality
button-import-apply = Apply the import
button-cancel = Cancel

## Consent
consent-text =
    <b>Consent to the processing of personal data</b>

    To work with you, the bot stores: your full name, role (director, curator, coordinator), school and municipality, and your answers to questionnaires.

    Why: to send you reminders of meetings and webinars, questionnaires and announcements, and to let the regional team see how schools take part in the programmes.

    Who sees it: the municipal coordinator of your municipality and the regional team (LOIRO, the regional education committee).

    How to delete it: the /forget command deletes your data at any time; questionnaire answers stay only in anonymised form.
consent-declined = All right, nothing has been stored. If you change your mind, send /start.
consent-given = ✅ You have consented to the processing of your personal data.
consent-refused = ❌ You have not consented to the processing of your personal data.

## Joining
join-code-or-municipality = If you have an invitation code, send it as a message. If you do not, choose your municipality and we will send a request to the coordinator.
join-type-school = Municipality: { $municipality }. Type part of your school's name, for example "СОШ №3".
join-invite-choose-school = Code accepted: role "{ $role }", { $municipality }. Type part of your school's name.
join-invite-accepted = ✅ Code accepted: role "{ $role }".
join-no-schools = No school found. Try another spelling, for example the school's number or its town.
join-pick-school = Schools found: { $total }. Choose yours.
join-pick-role = School: { $school }. Choose your role.
join-ask-name = Type your full name, for example: Ivanova Irina Petrovna.
join-card-title = <b>Please check</b>
join-request-sent = ✅ The request has been sent to the coordinator. We will tell you the decision.
join-request-waiting = Your request is still with the coordinator. We will tell you the decision.
join-done = ✅ Registration complete.
join-start-again = To start again, send /start.
join-without-code = To register without a code, send /start: a coordinator will review your request. Main menu: /menu
join-approved = ✅ Your request has been approved. Open the menu: /menu
join-rejected = Your request has been rejected by the coordinator. If this is a mistake, contact your municipal coordinator or send /start to apply again.
hint-use-buttons = Please choose with a button under the message above, or send /cancel.

## Menu
menu-title = Main menu. Your role: { $role }.
menu-not-registered = You are not registered yet. Send /start to begin.
menu-profile = My data
menu-schools = Schools and participants
menu-requests = Requests to join
menu-invite = Invite a participant
menu-rename = Rename a municipality
menu-import = Import schools from a file

## My data
profile-title = <b>My data</b>
profile-name = Name: { $name }
profile-role = Role: { $role }
profile-municipality = Municipality: { $municipality }
profile-schools = School: { $schools }
profile-language = Language: { $language }
profile-telegram-id = Telegram id: <code>{ $id }</code>
profile-max-id = MAX id: <code>{ $id }</code>
profile-ask-name = Type your new full name.
profile-name-saved = ✅ Name saved.

## Deleting data
forget-warning = This deletes your name, role and school. Questionnaire answers stay only in anonymised form. Continue?
forget-sure = Are you sure? This cannot be undone: to use the bot again you will have to register again.
forget-done = ✅ Your data has been deleted. Thank you for taking part.
forget-kept = All right, your data is kept.

## For coordinators
choose-municipality = Choose a municipality.
page-of = Page { $page } of { $pages }
roster-title =
    <b>{ $municipality }</b>
    Schools: { $schools }, directors in the bot: { $directors }.
roster-line = { $mark } { $school } — curators: { $curators }
school-code = Code: { $code }
school-programmes = Programmes: { $programmes }
school-director = Director: { $name }
school-curators = Curators: { $names }
school-nobody = not registered
assign-choose = Choose a curator for "{ $school }".
assign-no-curators = There are no registered curators in the municipality yet. Invite them with "Invite a participant".
assign-done = ✅ Curator assigned.
revoke-sure = Revoke access? The participant loses their role and schools.
revoke-done = ✅ Access of { $name } revoked.
revoke-notice = Your access to the bot has been revoked by a coordinator. If this is a mistake, contact your municipal coordinator.
requests-none = No new requests.
request-card =
    <b>Request to join</b>
    Name: { $name }
    Role: { $role }
    School: { $school }
    Municipality: { $municipality }
request-approved = ✅ Request approved.
request-rejected = Request rejected.
invite-choose-role = Whom are you inviting?
invite-choose-scope = An invitation for one school or for every school of the municipality?
invite-type-school = Type part of the school's name.
invite-one-use = single use
invite-many-uses = many uses
invite-pick-school = Schools found: { $total }. Choose the school to invite to.
invite-for-school = School: { $school }
invite-for-municipality = Municipality: { $municipality }
invite-for-region = For the whole Leningrad Oblast
invite-created =
    ✅ Invitation code created.
    Role: { $role }
    { $scope }
    Code ({ $uses }): <code>{ $code }</code>
    Link: { $link }
    Valid until: { $expires }

    Forward the link to the participant: the bot will offer registration at once.
rename-ask = Current name: { $name }. Type the new name.
rename-done = ✅ Municipality renamed: { $name }.

## School import
import-send-file = Send the file of schools as XLSX or CSV (UTF-8). The format is in the documentation: columns "Код", "Муниципалитет", "Полное наименование", "Краткое наименование", "Программы".
import-preview =
    <b>File check</b>
    New schools: { $new }
    Changed: { $updated }
    Unchanged: { $unchanged }
    Errors: { $errors }
import-error-line = Row { $row }: { $reason }
import-more-errors = …and { $count } more errors
import-fix-and-resend = Fix the errors and send the file again. Nothing has been written.
import-nothing-to-do = No changes: the directory already matches the file.
import-applied = ✅ Import done: { $new } new schools, { $updated } changed.
import-cancelled = Import cancelled, nothing written.
import-row-empty-code = the school code is empty
import-row-empty-name = the full name is empty
import-row-duplicate-code = the code repeats in the file: { $value }
import-row-unknown-municipality = unknown municipality "{ $value }"
import-row-too-long = value too long "{ $value }"

## Errors
error-access-denied = You may not do this.
error-already-registered = You are already registered. Your data: /me
error-consent-needed = Consent to data processing comes first. Send /start.
error-bad-name = Type your full name in letters, 3 to 100 characters, for example: Ivanova Irina Petrovna.
error-bad-municipality-name = The name must have 3 to 200 characters.
error-invite-unknown = No such invitation code. Check the code.
error-invite-expired = The code has expired. Ask your coordinator for a new one.
error-invite-used = This code has already been used. Ask your coordinator for a new one.
error-invite-revoked = This code has been revoked. Ask your coordinator for a new one.
error-invite-school-removed = The school of this invitation no longer takes part in the programme. Contact your coordinator.
error-invite-needs-school = This role needs a school or a municipality.
error-invite-one-school = A director's invitation is for one school.
error-invite-needs-municipality = A municipal coordinator needs a municipality.
error-invite-mixed-municipalities = All schools of an invitation must be in one municipality.
error-invite-bad-uses = The number of uses must be at least one.
error-school-has-director = This school already has a director in the bot. If the director has changed, contact the municipal coordinator.
error-request-pending = Your request has been sent already and is waiting for the coordinator.
error-request-decided = This request has already been decided.
error-request-unknown = Request not found.
error-participant-unknown = Participant not found or no longer registered.
error-unknown-school = School not found or no longer in the programme.
error-unknown-municipality = Municipality not found.
error-import-format = The file must be XLSX or CSV.
error-import-encoding = The CSV file is not UTF-8 (error in row { $row }). Save it as "CSV UTF-8" or send XLSX.
error-import-columns = Required columns are missing: { $missing }.
error-import-empty = The file has no rows of schools.
error-import-too-large = The file is too large (over 10 MB).
error-import-too-many-rows = The file has more than { $limit } rows. Split it into parts.
error-import-too-many-lines = The file has too many rows, empty ones included: { $limit } at most. Delete the empty rows or split the file.
error-import-too-many-columns = Row { $row } has too many columns: { $limit } at most. Keep only the directory's columns.
error-import-line-too-long = Line { $row } is too long: { $limit } characters at most. Check that this is a table of schools in CSV format.
error-import-unpacked-too-large = Unpacked, the XLSX file is larger than { $limit } MB. Keep only the sheet of schools in it, without pictures.
error-import-csv-broken = The CSV file is damaged (row { $row }). Save it again as "CSV UTF-8" or send XLSX.
error-import-has-errors = The file has errors ({ $count }); nothing was imported.
