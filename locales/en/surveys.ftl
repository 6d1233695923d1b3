# Questionnaires and surveys.

cmd-surveys = Questionnaires
menu-surveys = Questionnaires
menu-surveys-status = Survey progress
surveys-title = <b>Open questionnaires</b>
surveys-none = There are no open questionnaires for you now.
surveys-closed-title = <b>Closed surveys</b> (the answers can be viewed):
survey-status-closed-submitted = submitted
survey-status-closed-unsent = not submitted
surveys-none-open = No surveys are open now.
survey-deadline = Deadline: { $when }.
survey-status-not-started = not started
survey-status-progress = question { $number } of { $total }
survey-status-ready = every answer given, still to submit
survey-status-submitted = ✅ submitted
survey-start = Start the questionnaire
survey-continue = Continue
survey-view = See the answers
survey-invitation = 📋 The survey "{ $title }" is open. Please answer before the deadline: { $when }.
survey-nudge-not-started = ⏰ A reminder: the survey "{ $title }" is still waiting for your answers. Deadline: { $when }.
survey-nudge-started = ⏰ A reminder: the questionnaire "{ $title }" is started but not submitted (question { $number } of { $total }). Deadline: { $when }.
survey-nudge-ready = ⏰ A reminder: every answer of the questionnaire "{ $title }" is given; only "Submit" is left. Deadline: { $when }.

survey-question-of = Question { $number } of { $total }
survey-multi-hint = Tick every option that fits and press "Done".
survey-scale-ends = { $low } — { $low_label }, { $high } — { $high_label }.
survey-yes = Yes
survey-no = No
survey-done = Done
survey-back = ◀ Back
survey-skip = Skip
survey-type-number = Type a number.
survey-type-text = Type your answer as a message.
survey-saved = ✅ Answer saved: “{ $question }” — { $answer }
survey-saved-toast = ✅ Answer saved
survey-skipped = skipped
survey-for-school = School: { $school }
survey-current = Now: { $answer }. Type a new answer or keep this one.
survey-keep = Keep the answer
survey-dropped = The answer to "{ $question }" is no longer needed and was deleted.
survey-summary = <b>Check your answers</b>. Any answer can be changed; then press "Submit".
survey-summary-submitted = <b>The questionnaire is submitted.</b> Answers can change until the deadline.
survey-summary-sent = <b>The questionnaire is submitted.</b>
survey-summary-view = <b>The answers</b> (not submitted)
survey-edit = ✏ { $number }
survey-edit-hint = To change an answer, press the button with its number.
survey-submit = ✅ Submit the questionnaire
survey-thanks = Thank you! The questionnaire is submitted.
survey-read-only = The survey is closed: the answers can only be viewed.
survey-read-only-earlier = The school's questionnaire was submitted by its previous director: the answers can only be viewed.

surveys-status-choose = Choose a survey.
surveys-rate = Submitted: { $done } of { $total } ({ $percent }).
surveys-unattended = { $unit ->
    [curator_school] No curator assigned
   *[other] No director registered
} — { $count } { $count ->
    [one] school
   *[other] schools
} nobody can answer for: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}and { $more } more
}
survey-school-not_started = not started
survey-school-in_progress = in progress
button-survey-remind = Remind those who have not answered

survey-error-use-buttons = Choose the answer with a button under the question.
survey-error-not-a-number = A number is needed, for example 12.
survey-error-not-whole = A whole number is needed, for example 12.
survey-error-out-of-range = The number must be from { $min } to { $max }.
survey-error-out-of-scale = Choose a value from { $min } to { $max }.
survey-error-unknown-option = There is no such option. Choose with a button under the question.
survey-error-picks = Tick from { $min } to { $max } options.
survey-error-empty-text = The answer is empty. Type it as a message.
survey-error-too-long = The answer is longer than { $limit } characters. Please shorten it.
survey-error-required = This question needs an answer.
survey-error-unknown-question = This question is no longer part of the questionnaire after a changed answer.
survey-error-stale-button = This button belongs to another question. Answer the latest question, or open the questionnaire again: /surveys

error-survey-closed = The survey is closed: the answers can no longer change. Main menu: /menu
error-survey-already-submitted = The questionnaire is already submitted. Answers can change until the deadline: /surveys
error-survey-incomplete = Answer every required question before submitting.
error-survey-unknown = Survey not found.
error-survey-needs-school = This questionnaire needs a school.
error-survey-round-open = The current round is still open: close it before starting a new one.
error-survey-bad-window = The survey must close after it opens and after now.
error-survey-not-holder = This questionnaire is no longer yours to fill in: it is answered by the director or curator the school has now. Main menu: /menu

menu-surveys-admin = Manage surveys
survey-admin-title = <b>Surveys</b>
survey-admin-line = • { $title } (version { $version }): { $status }{ $window }. In progress: { $in_progress }, submitted: { $submitted }
survey-admin-until = , until { $when }
survey-admin-status-draft = not open
survey-admin-status-open = open
survey-admin-status-closed = closed
button-survey-open = Open: { $title }
button-survey-new-round = New round
button-survey-close = Close
button-survey-upload = 📎 Upload a survey file (YAML)
survey-admin-send-file = Send the survey file as YAML (the format is in the documentation).
survey-admin-refused-too-large = The file was not accepted: it is larger than { $limit } KB.
# Messages are Telegram HTML: & is written &amp;.
survey-admin-refused-yaml-aliases = The file was not accepted: line { $line } has a YAML anchor or alias (&amp; or *). Write every value out in full.
survey-admin-refused-yaml-too-deep = The file was not accepted: at line { $line } the nesting is deeper than { $limit } levels. Check the brackets.
survey-admin-problems = The file was not accepted:
    { $problems }
survey-admin-loaded-created = ✅ Survey { $code } loaded (version { $version }).
survey-admin-loaded-updated = ✅ Survey { $code } updated (version { $version }).
survey-admin-loaded-unchanged = Survey { $code } has not changed.
survey-admin-loaded-new-version = ✅ Survey { $code } already has answers: version { $version } created, earlier answers kept.
survey-admin-ask-closes-round = Round { $round }: the same questions, fresh answers. Type the date and time it closes: DD.MM.YYYY HH:MM.
survey-admin-ask-closes = Type the date and time the survey closes: DD.MM.YYYY HH:MM.
survey-admin-opened = ✅ The survey is open until { $when }. Participants will be invited.
survey-admin-closed = The survey is closed.

## A survey file's problems (bot/services/survey_definitions.Problem)
survey-problem-in-question = Question { $question }: { $problem }
survey-problem-in-question-field = Question { $question } (field { $field }): { $problem }
survey-problem-at-field = Field { $field }: { $problem }
survey-problem-missing = a required field is missing
survey-problem-unknown-field = the format has no such field
survey-problem-wrong-type = a value of the wrong kind (e.g. text instead of a number)
survey-problem-not-allowed = not an allowed value; allowed: { $value }
survey-problem-too-long = the value is too long (at most { $value })
survey-problem-too-short = the value is too short (at least { $value })
survey-problem-bad-identifier = a code may hold only Latin letters, digits, _ and -
survey-problem-too-small = the value must be at least { $value }
survey-problem-too-big = the value must be at most { $value }
survey-problem-invalid = not a valid value
survey-problem-show-if-condition = show_if needs exactly one of equals or any_of
survey-problem-duplicate-id = this question id is already used
survey-problem-show-if-later = show_if refers to a later question { $source }: only earlier ones may be used
survey-problem-show-if-unknown = show_if refers to a question { $source } that does not exist
survey-problem-not-an-option = in show_if, { $value } is not an option of question { $source }
survey-problem-not-yes-no = in show_if, question { $source } needs true or false, not { $value }
survey-problem-free-text = show_if cannot depend on the free-text answer to question { $source }
survey-problem-two-options = at least two options are needed
survey-problem-options-repeat = option ids repeat
survey-problem-no-options = a question of this type has no options
survey-problem-picks-fit = min_picks and max_picks must fit the number of options
survey-problem-picks-multi = min_picks and max_picks are only for multi questions
survey-problem-scale-needed = a scale needs a scale section: min, max and the end labels
survey-problem-scale-order = the scale's min must be below its max
survey-problem-scale-points = a scale has at most { $limit } points
survey-problem-decimal-not-number = decimal is for number questions
survey-problem-number-order = min must not exceed max
survey-problem-not-yaml = the file cannot be read as YAML
survey-problem-not-yaml-at = line { $line }: the file cannot be read as YAML
survey-problem-not-mapping = the file must hold sections code, title, questions and others
